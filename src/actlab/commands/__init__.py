"""Sub-commands of the ``actlab`` CLI, one module each (see :mod:`actlab.cli`)."""
