"""What a record is: a frozen dataclass, declared with `@record`, and one way to build a record
from another whose fields it shares.

Example:
    >>> @record
    ... class Point:
    ...     x: int
    ...     y: int = 0
    >>> Point(1)
    Point(x=1, y=0)
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def record(cls: type[T]) -> type[T]:
    """`cls` as a frozen dataclass: its fields are set once, when it is made."""
    return dataclasses.dataclass(frozen=True)(cls)


@functools.cache
def _field_names(cls: Any) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls) if f.init)


def carried(source: object, cls: type[T], /, **given: Any) -> T:
    """A `cls` record whose fields are `given`, or else read from `source`'s attributes of the
    same names; a field `source` lacks keeps its default.

    Example:
        >>> @record
        ... class Named:
        ...     name: str
        ...     size: int = 0
        >>> @record
        ... class Sized:
        ...     size: int
        >>> carried(Sized(3), Named, name="p"), carried(Named("n", 2), Named, size=5)
        (Named(name='p', size=3), Named(name='n', size=5))
    """
    dataclass: Any = cls
    kind: Any = type(source)
    shared = _shared_names(kind, dataclass)
    if shared is None:  # not a dataclass: its attributes are known only on the object
        names = _field_names(dataclass) - given.keys()
        values = {n: getattr(source, n) for n in names if hasattr(source, n)}
    else:
        values = {n: getattr(source, n) for n in shared if n not in given}
    return cls(**values, **given)


@functools.cache
def _shared_names(source: Any, cls: Any) -> tuple[str, ...] | None:
    """The fields of `cls` that every `source` has (its own fields, properties and class
    attributes), when `source` is a dataclass (None: else)."""
    if not dataclasses.is_dataclass(source):
        return None
    own = {f.name for f in dataclasses.fields(source)}
    return tuple(n for n in sorted(_field_names(cls)) if n in own or hasattr(source, n))
