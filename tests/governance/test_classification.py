import pytest
from hypothesis import given
from hypothesis import strategies as st

from suanli.core.errors import InvalidInput
from suanli.governance import DataClass, classify_lineage, inherit


def test_order_follows_the_data_security_law():
    assert DataClass.PUBLIC < DataClass.INTERNAL < DataClass.IMPORTANT < DataClass.CORE


def test_parse_and_label_round_trip():
    for c in DataClass:
        assert DataClass.parse(c.label) is c
    assert DataClass.parse(" Important ") is DataClass.IMPORTANT
    with pytest.raises(InvalidInput, match="unknown data classification 'secret'"):
        DataClass.parse("secret")


def test_derived_data_is_as_sensitive_as_its_most_sensitive_input():
    assert inherit([DataClass.PUBLIC, DataClass.IMPORTANT]) is DataClass.IMPORTANT
    assert inherit([], declared=DataClass.INTERNAL) is DataClass.INTERNAL
    assert inherit([DataClass.PUBLIC], declared=DataClass.CORE) is DataClass.CORE


def test_lineage_propagates_through_generations():
    declared = {
        "ds_raw": DataClass.IMPORTANT,
        "ds_web": DataClass.PUBLIC,
        "ds_clean": DataClass.PUBLIC,
        "mdl_base": DataClass.PUBLIC,
        "mdl_chat": DataClass.INTERNAL,
    }
    inputs = {"ds_clean": ["ds_raw", "ds_web"], "mdl_base": ["ds_clean"], "mdl_chat": ["mdl_base"]}
    got = classify_lineage(declared, inputs)
    assert got["mdl_chat"] is DataClass.IMPORTANT
    assert got["ds_web"] is DataClass.PUBLIC


def test_lineage_refuses_cycles_and_unknown_inputs():
    with pytest.raises(InvalidInput, match="cycle"):
        classify_lineage({"a": DataClass.PUBLIC, "b": DataClass.PUBLIC}, {"a": ["b"], "b": ["a"]})
    with pytest.raises(InvalidInput, match="unknown artefact 'ghost'"):
        classify_lineage({"a": DataClass.PUBLIC}, {"a": ["ghost"]})


@given(st.data())
def test_lineage_never_lowers_a_class(data):
    n = data.draw(st.integers(1, 8))
    names = [f"n{i}" for i in range(n)]
    declared = {name: data.draw(st.sampled_from(list(DataClass))) for name in names}
    # Edges only to earlier nodes: a DAG by construction.
    inputs = {names[i]: data.draw(st.lists(st.sampled_from(names[:i]), max_size=3)) if i else [] for i in range(n)}
    got = classify_lineage(declared, inputs)

    def ancestors(name: str) -> set[str]:
        out = set()
        for parent in inputs[name]:
            out |= {parent} | ancestors(parent)
        return out

    for name in names:
        assert got[name] == max([declared[name]] + [declared[a] for a in ancestors(name)])
