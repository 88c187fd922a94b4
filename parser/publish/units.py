"""Datasette's unit registry, made when a unit is first asked for rather than at import.

Datasette 0.65 makes a pint ``UnitRegistry`` when its views are imported
(``datasette/views/base.py``): 0.7 s of every server start, importing pint and parsing its
unit definitions, for the ``units`` of table metadata, which this archive declares none of.
:func:`defer_unit_registry` puts a stand-in for Datasette's vendored pint in place before
Datasette is imported; the registry it gives Datasette is the real one, made at its first use.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
from typing import Any

#: The module Datasette imports its pint from.
VENDORED_PINT = "datasette.vendored.pint"


def _real_pint() -> types.ModuleType:
    """Datasette's vendored pint itself, imported now if it was not."""
    stand_in = sys.modules.get(VENDORED_PINT)
    if isinstance(stand_in, _StandIn):
        del sys.modules[VENDORED_PINT]
    try:
        return importlib.import_module(VENDORED_PINT)
    except BaseException:
        if stand_in is not None:
            sys.modules.setdefault(VENDORED_PINT, stand_in)
        raise


class DeferredRegistry:
    """What Datasette holds as ``ureg``: pint's registry, made at the first call or attribute."""

    def __init__(self, args: tuple, kwargs: dict) -> None:
        self._arguments = (args, kwargs)
        self._registry: Any = None
        self._lock = threading.Lock()

    def real(self) -> Any:
        """The real registry (made now, once, if it was not)."""
        with self._lock:
            if self._registry is None:
                args, kwargs = self._arguments
                self._registry = _real_pint().UnitRegistry(*args, **kwargs)
        return self._registry

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.real()(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)


class _StandIn(types.ModuleType):
    """``datasette.vendored.pint`` until something needs more of it than a registry."""

    def UnitRegistry(self, *args: Any, **kwargs: Any) -> DeferredRegistry:  # noqa: N802 - pint's name
        return DeferredRegistry(args, kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(_real_pint(), name)


def defer_unit_registry() -> None:
    """Put the stand-in in place, unless Datasette's views (or pint) are imported already."""
    if "datasette.views.base" in sys.modules or VENDORED_PINT in sys.modules:
        return
    sys.modules[VENDORED_PINT] = _StandIn(VENDORED_PINT)
