"""``python -m actlab ...``: the ``actlab`` command (actlab.cli)."""

from .cli import main

raise SystemExit(main())
