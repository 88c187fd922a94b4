"""Reading the project's own YAML declarations (layouts, Datasette metadata)."""

from __future__ import annotations

from typing import Any

import yaml

#: libyaml's loader where PyYAML was built with it: the same safe subset of YAML, read about
#: fifty times faster than the pure-Python loader (60 ms for the 2014 layout, which every parse
#: worker and every build reads once).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load(text)``, with libyaml when it is there."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, C or Python
