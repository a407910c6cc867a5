"""Signatures built from a declaration's parameters, for the generic functions and modules.

``Signature`` carries an :class:`inspect.Signature` (so ``inspect.signature`` and help() show
torch's exact parameters) and binds a call's arguments with the same ``TypeError`` messages
CPython gives for a function written out by hand.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

_EMPTY = inspect.Parameter.empty
_POS = inspect.Parameter.POSITIONAL_OR_KEYWORD


def _names(items: Sequence[str]) -> str:
    quoted = [f"'{n}'" for n in items]
    if len(quoted) == 1:
        return quoted[0]
    if len(quoted) == 2:
        return f"{quoted[0]} and {quoted[1]}"
    return ", ".join(quoted[:-1]) + f", and {quoted[-1]}"


class Signature:
    """Positional-or-keyword parameters ``names`` with ``defaults`` (``inspect.Parameter.empty``
    for required ones), bound as CPython binds ``def qualname(<first>, *names)``."""

    REQUIRED = _EMPTY

    def __init__(self, qualname: str, names: Sequence[str], defaults: Sequence[Any], first: str = "input"):
        self.qualname, self.first = qualname, first
        self.names, self.defaults = tuple(names), tuple(defaults)
        self.index = {n: i for i, n in enumerate(self.names)}
        self.required = sum(d is _EMPTY for d in self.defaults)
        params = [inspect.Parameter(first, _POS)]
        params += [inspect.Parameter(n, _POS, default=d) for n, d in zip(self.names, self.defaults)]
        self.inspect = inspect.Signature(params)

    def bind(self, args: tuple, kwargs: dict[str, Any]) -> list[Any]:
        """Values for ``names`` from the arguments after the first (defaults filled in)."""
        n = len(self.names)
        if len(args) == n and not kwargs:  # every value given by position: a module's call
            return list(args)
        if len(args) > n:
            lo, hi = 1 + self.required, 1 + n
            takes = f"{lo}" if lo == hi else f"from {lo} to {hi}"
            plural = "argument" if hi == 1 else "arguments"
            raise TypeError(
                f"{self.qualname}() takes {takes} positional {plural} but {len(args) + 1} "
                f"{'was' if len(args) + 1 == 1 else 'were'} given"
            )
        values = list(args) + [_EMPTY] * (n - len(args))
        for k, v in kwargs.items():
            i = self.index.get(k)
            if i is None:
                if k == self.first:
                    raise TypeError(f"{self.qualname}() got multiple values for argument '{k}'")
                raise TypeError(f"{self.qualname}() got an unexpected keyword argument '{k}'")
            if i < len(args):
                raise TypeError(f"{self.qualname}() got multiple values for argument '{k}'")
            values[i] = v
        missing = [name for name, v, d in zip(self.names, values, self.defaults) if v is _EMPTY and d is _EMPTY]
        if missing:
            s = "" if len(missing) == 1 else "s"
            raise TypeError(
                f"{self.qualname}() missing {len(missing)} required positional argument{s}: {_names(missing)}"
            )
        return [d if v is _EMPTY else v for v, d in zip(values, self.defaults)]
