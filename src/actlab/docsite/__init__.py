"""The documentation site's generated parts (MkDocs Material + mkdocstrings, ``mkdocs.yml``).

* :mod:`.figures` — each activation's plot, properties and kinks, computed by the report's code
  (:mod:`actlab.analysis`) in worker processes and cached by the sources they depend on;
* :mod:`.measurements` — float32 accuracy and speed vs torch per activation, from the sweep's
  and the benchmark's JSON files in ``docs/data/``;
* :mod:`.activation_pages` — a page per registered activation and the index by family;
* :mod:`.reference` — the API reference pages (mkdocstrings directives) and the operators' page;
* :mod:`.rst` — the docstrings' reStructuredText roles as Markdown (a griffe extension);
* :mod:`.hooks` — the MkDocs hooks that add the generated pages to the build;
* :mod:`.linkcheck` — broken internal links and anchors of a built site;
* :mod:`.snippets` — the Python examples of the pages, to run as tests.
"""
