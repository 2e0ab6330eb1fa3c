import pytest

from suanli.core.errors import InvalidInput
from suanli.governance import DataClass, Ownership, WorkKind
from suanli.governance.catalog import load_catalog, load_workload

CATALOG = """\
providers:
  - {id: telecom-cloud, name: Telecom Cloud, ownership: state-owned}
  - {id: agent, ownership: private}
performance: {ascend-910b: 0.8}
pools:
  - id: p1
    provider: telecom-cloud
    region: cn-east
    jurisdiction: CN-SH
    certifications: mlps-3
    accelerators: {ascend-910b: 8}
    resale: [{reseller: agent, markup: "0.1"}]
    prices:
      - {sku: accelerator-hour/ascend-910b, price: "16.00", effective: 2026-01-01}
"""


def test_a_catalog_loads_providers_pools_prices_and_chains():
    [pool], performance = load_catalog(CATALOG)
    assert pool.provider.ownership is Ownership.STATE_OWNED
    assert pool.certifications == {"mlps-3"}
    assert pool.domestic_accelerators
    assert [layer.reseller.id for layer in pool.resale] == ["agent"]
    assert str(pool.price_book.skus[0]) == "accelerator-hour/ascend-910b"
    assert str(performance["ascend-910b"]) == "0.8"


@pytest.mark.parametrize(
    ("change", "line", "fragment"),
    [
        (("ownership: private}", "ownership: foreign}"), 3, "unknown ownership 'foreign'"),
        (("provider: telecom-cloud", "provider: nobody"), 7, "unknown provider 'nobody'"),
        (('price: "16.00"', 'price: "-1"'), 14, "non-negative"),
        (("accelerators: {ascend-910b: 8}", "accelerators: {ascend-999: 8}"), 11, "unknown accelerator kind"),
        (("region: cn-east", "regoin: cn-east"), 8, "unknown pool field 'regoin'"),
    ],
)
def test_catalog_errors_name_the_line(change, line, fragment):
    with pytest.raises(InvalidInput) as info:
        load_catalog(CATALOG.replace(*change), source="pools.yaml")
    assert info.value.details["line"] == line, info.value.message
    assert fragment in info.value.message


def test_a_workload_loads_and_is_checked():
    w = load_workload(
        "tenant: bank\nindustry: finance\njurisdiction: CN-SH\nclassification: core\nkind: inference\n"
        "accelerators: {kinds: [ascend-910b], count: 2}\nmodel: qwen2.5-72b\ntokens_out_per_hour: 1000000\n"
    )
    assert (w.classification, w.kind, w.accelerator_kinds, w.accelerator_count) == (
        DataClass.CORE, WorkKind.INFERENCE, ("ascend-910b",), 2
    )
    with pytest.raises(InvalidInput, match="missing required field 'tenant'"):
        load_workload("industry: x\n")
    with pytest.raises(InvalidInput, match="line 1: classification: unknown data classification"):
        load_workload("classification: secret\ntenant: t\nindustry: i\njurisdiction: CN\nkind: training\n")
