"""Record classes, declared as dataclasses are, without their start-up cost.

``dataclasses`` writes each class's ``__init__``, ``__repr__`` and ``__eq__``
as source text and compiles it with ``exec`` when the class is created:
about 0.5 ms per class here, 7-8 ms of every command's start for the 14
classes on the start-up path (results, primitives, the program, the modes'
registry). A :class:`Record` subclass declares its fields the same way --
annotations in order, defaults after them, :class:`factory` for a fresh
mutable default -- and gets the same constructor (positional or keyword),
``repr``, equality and, for ``frozen=True``, immutability and a hash, from
the methods below, written once::

    class Point(Record):
        name: str
        tags: list[str] = factory(list)

    class Key(Record, frozen=True):   # immutable, hashable by its fields
        name: str

``eq=False`` keeps identity equality and hashing (as ``@dataclass(eq=False)``).
:func:`replace` is ``dataclasses.replace``. Only what derivcli uses of
dataclasses is here: no ``__post_init__``, no ``field(repr=..., compare=...)``,
no ``ClassVar`` fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_MISSING = object()


class factory:  # noqa: N801 - reads as dataclasses' field(default_factory=...)
    """A default made fresh for every instance: ``factory(list)``."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


class Record:
    """Base of the record classes (see the module's docstring).

    Raises ``TypeError`` for a missing, unknown or repeated argument, as a
    dataclass's constructor does, and ``AttributeError`` on assignment to a
    field of a frozen record.
    """

    __slots__ = ()
    #: the fields, in declaration order (base classes' first)
    _fields: tuple[str, ...] = ()
    #: field name -> default value or :class:`factory`
    _defaults: dict[str, Any] = {}
    _frozen = False

    def __init_subclass__(cls, frozen: bool = False, eq: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = list(cls._fields)
        defaults = dict(cls._defaults)
        for name in cls.__dict__.get("__annotations__", {}):
            if name not in fields:
                fields.append(name)
            if name in cls.__dict__:
                default = cls.__dict__[name]
                defaults[name] = default
                if isinstance(default, factory):
                    delattr(cls, name)  # as dataclasses: no class attribute
            elif defaults:
                raise TypeError(
                    f"{cls.__name__}: field {name!r} without a default follows one with a default"
                )
        cls._fields = tuple(fields)
        cls._defaults = defaults
        cls._frozen = frozen or cls._frozen
        if cls._frozen:
            cls.__setattr__ = _frozen_setattr
            cls.__delattr__ = _frozen_delattr
        if not eq:
            cls.__eq__ = object.__eq__
            cls.__hash__ = object.__hash__
        elif cls._frozen:
            cls.__hash__ = Record._field_hash
        else:
            cls.__hash__ = None  # mutable and compared by value: unhashable

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        name = type(self).__name__
        if len(args) > len(fields):
            raise TypeError(f"{name}() takes {len(fields)} arguments but {len(args)} were given")
        values = dict(zip(fields, args))
        for key, value in kwargs.items():
            if key in values:
                raise TypeError(f"{name}() got multiple values for argument {key!r}")
            if key not in self._defaults and key not in fields:
                raise TypeError(f"{name}() got an unexpected keyword argument {key!r}")
            values[key] = value
        put = object.__setattr__
        defaults = self._defaults
        for field in fields:
            value = values.get(field, _MISSING)
            if value is _MISSING:
                value = defaults.get(field, _MISSING)
                if value is _MISSING:
                    raise TypeError(f"{name}() missing required argument: {field!r}")
                if type(value) is factory:
                    value = value.make()
            put(self, field, value)

    def __repr__(self) -> str:
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__qualname__}({inner})"

    def _values(self) -> tuple:
        return tuple(getattr(self, f) for f in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def _field_hash(self) -> int:
        return hash(self._values())


def _frozen_setattr(self: Record, key: str, value: Any) -> None:
    if key in self._fields:
        raise AttributeError(f"cannot assign to field {key!r} of a frozen {type(self).__name__}")
    object.__setattr__(self, key, value)


def _frozen_delattr(self: Record, key: str) -> None:
    if key in self._fields:
        raise AttributeError(f"cannot delete field {key!r} of a frozen {type(self).__name__}")
    object.__delattr__(self, key)


def replace(record: Record, **changes: Any) -> Record:
    """A copy of ``record`` with ``changes`` (``dataclasses.replace``)."""
    values = {f: getattr(record, f) for f in record._fields}
    values.update(changes)
    return type(record)(**values)
