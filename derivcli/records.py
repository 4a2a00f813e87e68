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

To code that treats results as the dataclasses they were (``dataclasses.asdict``,
``fields``, ``replace``, ``is_dataclass``, ``inspect.signature``, ``match``
by position, ``except FrozenInstanceError``), a record is one: its
``__dataclass_fields__`` and ``__signature__`` are those of a dataclass twin
of the class (same fields, defaults, annotations), which ``dataclasses``
builds the first time one of them is asked for -- never at start-up.
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


class _FromTwin:
    """A class attribute read from the record class's dataclass twin
    (:func:`_twin`), made when first read."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type) -> Any:
        if self.name == "__signature__":
            import inspect  # (only for whoever asks: help(), inspect.signature)

            return inspect.signature(_twin(owner))
        return getattr(_twin(owner), self.name)


class Record:
    """Base of the record classes (see the module's docstring).

    Raises ``TypeError`` for a missing, unknown or repeated argument, as a
    dataclass's constructor does, and ``dataclasses.FrozenInstanceError``
    (an ``AttributeError``) on assignment to a field of a frozen record.
    """

    __slots__ = ()
    #: the fields, in declaration order (base classes' first)
    _fields: tuple[str, ...] = ()
    #: field name -> default value or :class:`factory`
    _defaults: dict[str, Any] = {}
    _frozen = False
    _eq = True
    #: field name -> its annotation (as written)
    _annotations: dict[str, Any] = {}
    __match_args__: tuple[str, ...] = ()
    # what ``dataclasses`` and ``inspect`` read, from the dataclass twin
    __dataclass_fields__ = _FromTwin("__dataclass_fields__")
    __dataclass_params__ = _FromTwin("__dataclass_params__")
    __signature__ = _FromTwin("__signature__")

    def __init_subclass__(cls, frozen: bool = False, eq: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = list(cls._fields)
        defaults = dict(cls._defaults)
        annotations = dict(cls._annotations)
        for name, annotation in cls.__dict__.get("__annotations__", {}).items():
            annotations[name] = annotation
            if name not in fields:
                fields.append(name)
            if name in cls.__dict__:
                default = cls.__dict__[name]
                defaults[name] = default
                if isinstance(default, factory):
                    delattr(cls, name)  # as dataclasses: no class attribute
                elif type(default).__hash__ is None:  # as dataclasses: one list for all
                    raise ValueError(
                        f"{cls.__name__}: mutable default {type(default).__name__} for "
                        f"field {name!r}: use factory({type(default).__name__})"
                    )
            elif defaults:
                raise TypeError(
                    f"{cls.__name__}: field {name!r} without a default follows one with a default"
                )
        cls._fields = cls.__match_args__ = tuple(fields)
        cls._defaults = defaults
        cls._annotations = annotations
        cls._frozen = frozen or cls._frozen
        cls._eq = eq
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
            if key not in fields:
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

    def __replace__(self, **changes: Any) -> Record:  # copy.replace (Python 3.13)
        return replace(self, **changes)


def _twin(cls: type) -> type:
    """The dataclass with ``cls``'s fields, defaults, annotations, ``frozen``
    and ``eq`` (made by ``dataclasses`` on first use, then kept): what
    ``dataclasses`` and ``inspect`` read of a record."""
    twin = cls.__dict__.get("_twin")
    if twin is None:
        import dataclasses

        namespace: dict[str, Any] = {
            "__annotations__": {f: cls._annotations.get(f, Any) for f in cls._fields},
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
        }
        for name, default in cls._defaults.items():
            if type(default) is factory:
                default = dataclasses.field(default_factory=default.make)
            namespace[name] = default
        twin = dataclasses.dataclass(frozen=cls._frozen, eq=cls._eq)(
            type(cls.__name__, (), namespace)
        )
        type.__setattr__(cls, "_twin", twin)
    return twin


def _frozen_error(verb: str, key: str) -> AttributeError:
    from dataclasses import FrozenInstanceError  # (only when it is raised)

    return FrozenInstanceError(f"cannot {verb} field {key!r}")


def _frozen_setattr(self: Record, key: str, value: Any) -> None:
    if key in self._fields:
        raise _frozen_error("assign to", key)
    object.__setattr__(self, key, value)


def _frozen_delattr(self: Record, key: str) -> None:
    if key in self._fields:
        raise _frozen_error("delete", key)
    object.__delattr__(self, key)


def replace(record: Record, **changes: Any) -> Record:
    """A copy of ``record`` with ``changes`` (``dataclasses.replace``)."""
    values = {f: getattr(record, f) for f in record._fields}
    values.update(changes)
    return type(record)(**values)
