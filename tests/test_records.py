"""derivcli.records: the result and table classes behave as the dataclasses
they replace (the oracle here is ``dataclasses`` itself, on the same
declarations)."""

from __future__ import annotations

import dataclasses

import pytest

from derivcli.records import Record, factory, replace


class Row(Record):
    name: str
    value: float
    note: str | None = None
    tags: list[str] = factory(list)


@dataclasses.dataclass
class RowDC:
    name: str
    value: float
    note: str | None = None
    tags: list[str] = dataclasses.field(default_factory=list)


class Key(Record, frozen=True):
    name: str
    size: int = 0


@dataclasses.dataclass(frozen=True)
class KeyDC:
    name: str
    size: int = 0


class Ident(Record, frozen=True, eq=False):
    name: str


CALLS = [
    (("x", 1.0), {}),
    (("x",), {"value": 2.0}),
    ((), {"name": "y", "value": 3.0, "tags": ["a"]}),
    (("z", 4.0, "n"), {"tags": []}),
    (("z", 4.0, "n", ["t"]), {}),
]


@pytest.mark.parametrize(("args", "kwargs"), CALLS)
def test_constructor_fields_and_repr_as_dataclass(args, kwargs):
    ours, theirs = Row(*args, **kwargs), RowDC(*args, **kwargs)
    names = [f.name for f in dataclasses.fields(RowDC)]
    assert Row._fields == tuple(names)
    assert [getattr(ours, n) for n in names] == [getattr(theirs, n) for n in names]
    assert repr(ours) == repr(theirs).replace("RowDC", "Row")


BAD_CALLS = [
    ((), {}),  # missing both
    (("x",), {}),  # missing value
    (("x", 1.0), {"name": "y"}),  # twice
    (("x", 1.0), {"colour": 1}),  # unknown
    (("x", 1.0, None, [], 5), {}),  # too many
]


@pytest.mark.parametrize(("args", "kwargs"), BAD_CALLS)
def test_bad_arguments_raise_type_error_as_dataclass(args, kwargs):
    with pytest.raises(TypeError):
        RowDC(*args, **kwargs)
    with pytest.raises(TypeError):
        Row(*args, **kwargs)


def test_factory_default_is_fresh_and_not_a_class_attribute():
    a, b = Row("a", 1.0), Row("b", 2.0)
    a.tags.append("t")
    assert b.tags == [] and a.tags == ["t"]
    assert "tags" not in Row.__dict__ and Row.note is None


def test_equality_and_hash_as_dataclass():
    assert Row("x", 1.0) == Row("x", 1.0) and Row("x", 1.0) != Row("x", 2.0)
    assert Row("x", 1.0) != RowDC("x", 1.0)  # another class is never equal
    assert Row.__hash__ is None and RowDC.__hash__ is None  # mutable: unhashable
    assert Key("k", 1) == Key("k", 1) and hash(Key("k", 1)) == hash(KeyDC("k", 1))
    assert len({Key("k", 1), Key("k", 1), Key("k", 2)}) == 2
    a, b = Ident("i"), Ident("i")
    assert a != b and a == a and hash(a) != hash(b)


def test_frozen_fields_cannot_change_but_other_attributes_can():
    key = Key("k")
    with pytest.raises(AttributeError):
        key.name = "other"
    with pytest.raises(AttributeError):
        del key.size
    key.cache = 1  # not a field: allowed (cached_property writes so)
    row = Row("x", 1.0)
    row.value = 5.0
    assert row.value == 5.0


def test_replace_as_dataclasses_replace():
    assert replace(Key("k", 1), size=3) == Key("k", 3)
    row = replace(Row("x", 1.0, tags=["a"]), note="n")
    theirs = dataclasses.replace(RowDC("x", 1.0, tags=["a"]), note="n")
    assert repr(row) == repr(theirs).replace("RowDC", "Row")


def test_order_of_defaults_is_checked():
    with pytest.raises(TypeError, match="without a default"):

        class Bad(Record):
            a: int = 0
            b: int


# --- what code written for the dataclasses they were reads of a record


def test_dataclasses_functions_treat_a_record_as_its_dataclass():
    ours, theirs = Row("x", 1.0, tags=["a"]), RowDC("x", 1.0, tags=["a"])
    assert dataclasses.is_dataclass(Row) and dataclasses.is_dataclass(ours)
    assert dataclasses.asdict(ours) == dataclasses.asdict(theirs)
    assert dataclasses.astuple(ours) == dataclasses.astuple(theirs)
    spec = [(f.name, f.type, f.default, f.default_factory) for f in dataclasses.fields(RowDC)]
    assert [(f.name, f.type, f.default, f.default_factory) for f in dataclasses.fields(ours)] == [
        (name, kind, default, (list if name == "tags" else factory))
        for name, kind, default, factory in spec
    ]
    changed = dataclasses.replace(ours, note="n")
    assert type(changed) is Row and changed == Row("x", 1.0, "n", ["a"])
    assert dataclasses.replace(Key("k", 1), size=3) == Key("k", 3)


def test_signature_and_match_args_as_dataclass():
    import inspect

    assert str(inspect.signature(Row)) == str(inspect.signature(RowDC))
    assert str(inspect.signature(Key)) == str(inspect.signature(KeyDC))
    assert Row.__match_args__ == RowDC.__match_args__ == Row._fields
    match Row("x", 2.0):
        case Row(name, value):
            assert (name, value) == ("x", 2.0)


def test_frozen_assignment_raises_frozen_instance_error_as_dataclass():
    for key in (Key("k"), KeyDC("k")):
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'name'"):
            key.name = "other"
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'size'"):
            del key.size


def test_derivcli_results_still_work_with_dataclasses():
    """The public results, as an API user serialises them."""
    import derivcli
    from derivcli.graph import Program
    from derivcli.primitives import PRIMITIVES

    g = derivcli.grad("x*x*y + y + 2", at={"x": 3, "y": 4})
    as_dict = dataclasses.asdict(g)
    assert as_dict["gradient"] == {"x": 24.0, "y": 10.0} and list(as_dict) == list(g._fields)
    assert dataclasses.replace(g, value=1.0).value == 1.0 and g.value == 42.0
    program = derivcli.parse("x*y")
    with pytest.raises(dataclasses.FrozenInstanceError):
        program.source = "z"
    assert dataclasses.is_dataclass(Program) and dataclasses.is_dataclass(PRIMITIVES["sin"])
    assert [f.name for f in dataclasses.fields(program)] == list(Program._fields)


def test_a_mutable_default_is_refused_as_dataclasses_does():
    """One list shared by every instance: dataclasses refuses it, and so
    does a record (else its dataclass twin could not be made either)."""
    with pytest.raises(ValueError, match="mutable default"):

        @dataclasses.dataclass
        class BadDC:
            tags: list = []

    with pytest.raises(ValueError, match=r"mutable default list .* use factory\(list\)"):

        class Bad(Record):
            tags: list = []
