"""Discovery parsers on reconstructed tool outputs (tests/fixtures/discovery/README.md) and on garbage."""

from __future__ import annotations

from pathlib import Path

import pytest

from suanli.core.accelerators import default_table
from suanli.core.errors import InvalidInput
from suanli.engines.discovery import (
    DISCOVERY_COMMANDS,
    NVIDIA_FIELDS,
    DiscoveredDevice,
    DiscoveryError,
    match_kind,
    parse,
    parse_nvidia_smi,
    vendor_for_tool,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "discovery"


def load(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_nvidia_smi_h100_node_without_header() -> None:
    devices = parse("nvidia-smi", load("nvidia-smi_h100x8.csv"))
    assert [d.index for d in devices] == list(range(8))
    assert {d.kind for d in devices} == {"nvidia-h100"}
    first = devices[0]
    assert first == DiscoveredDevice(
        index=0, vendor="nvidia", model="NVIDIA H100 80GB HBM3", kind="nvidia-h100", memory_mib=81559,
        memory_used_mib=73421, utilization_pct=97.0, temperature_c=64.0, power_w=642.18, health="OK",
        healthy=True, bus_id="00000000:18:00.0", uuid="GPU-5e1c3f9a-2b7d-4c61-9d0e-8a2f6b3c1d40",
    )
    assert devices[7].healthy is False and devices[7].health == "2 uncorrected ECC errors"


def test_nvidia_smi_with_header_and_units_tells_sizes_apart_and_leaves_unknown_models_unmatched() -> None:
    devices = parse("nvidia-smi", load("nvidia-smi_a100_header_units.csv"))
    assert [(d.model, d.kind, d.memory_mib) for d in devices] == [
        ("NVIDIA A100-SXM4-80GB", "nvidia-a100", 81920),
        ("NVIDIA A100-SXM4-80GB", "nvidia-a100", 81920),
        ("NVIDIA A100-SXM4-40GB", "nvidia-a100-40g", 40960),
        ("NVIDIA H100 NVL", None, 95830),  # 94 GB: not the table's 80 GB H100 SXM
    ]
    assert devices[2].power_w is None and devices[2].healthy is None
    assert devices[0].power_w == 61.42 and devices[0].utilization_pct == 0.0


def test_nvidia_smi_workstation_models() -> None:
    kinds = [d.kind for d in parse("nvidia-smi", load("nvidia-smi_workstation.csv"))]
    assert kinds == ["nvidia-rtx4090", "nvidia-l40s", "nvidia-v100", "nvidia-h20"]


def test_nvidia_smi_custom_field_order() -> None:
    devices = parse_nvidia_smi("3, Tesla V100-SXM2-32GB, 32768\n", fields=("index", "name", "memory.total"))
    assert devices[0].index == 3 and devices[0].kind == "nvidia-v100" and devices[0].uuid is None


def test_npu_smi_910b_node() -> None:
    devices = parse("npu-smi", load("npu-smi_info_910b3x8.txt"))
    assert [d.index for d in devices] == list(range(8))
    assert {d.kind for d in devices} == {"ascend-910b"}
    busy = devices[2]
    assert (busy.memory_mib, busy.memory_used_mib, busy.utilization_pct) == (65536, 58804, 87.0)
    assert (devices[2].power_w, devices[2].temperature_c, devices[2].bus_id) == (372.5, 48.0, "0000:81:00.0")
    assert [(d.health, d.healthy) for d in devices[5:]] == [("Warning", True), ("OK", True), ("Alarm", False)]
    assert devices[7].power_w is None


def test_npu_smi_310p_duo_lists_each_chip_by_logical_device_id() -> None:
    devices = parse("npu-smi", load("npu-smi_info_310p3_duo.txt"))
    assert [(d.index, d.extra["npu_id"], d.extra["chip_id"]) for d in devices] == [
        (0, "1", "0"), (1, "1", "1"), (2, "2", "0"), (3, "2", "1")]
    assert {d.kind for d in devices} == {"ascend-310p"}
    assert devices[2].memory_used_mib == 9211 and devices[2].utilization_pct == 12.0


def test_hy_smi_with_product_and_memory() -> None:
    devices = parse("hy-smi", load("hy-smi_k100ai.txt"))
    assert [(d.index, d.model, d.kind) for d in devices] == [(i, "K100_AI", "hygon-k100") for i in range(4)]
    assert devices[0].memory_mib == 68702699520 // 2**20
    assert (devices[0].utilization_pct, devices[0].temperature_c, devices[0].power_w) == (99.0, 52.0, 312.0)
    assert devices[0].health == "Normal" and devices[0].healthy is True


def test_hy_smi_plain_table_has_no_model_so_no_kind() -> None:
    devices = parse("hy-smi", load("hy-smi_z100_plain.txt"))
    assert [(d.index, d.model, d.kind, d.memory_mib) for d in devices] == [(0, "DCU", None, None),
                                                                           (1, "DCU", None, None)]
    assert devices[1].utilization_pct == 40.0


def test_cnmon() -> None:
    devices = parse("cnmon", load("cnmon_mlu370x8.txt"))
    assert [(d.index, d.kind) for d in devices] == [(i, "cambricon-mlu370") for i in range(3)]
    busy = devices[1]
    assert (busy.memory_used_mib, busy.memory_mib, busy.utilization_pct) == (40311, 46475, 87.0)
    assert (busy.temperature_c, busy.power_w, busy.bus_id) == (51.0, 211.0, "0000:53:00.0")
    assert devices[2].healthy is False and devices[0].extra["firmware"] == "v1.1.4"


def test_xpu_smi() -> None:
    devices = parse("xpu-smi", load("xpu-smi_r200.txt"))
    assert [(d.index, d.kind, d.healthy) for d in devices] == [
        (0, "kunlunxin-r200", True), (1, "kunlunxin-r200", True), (2, "kunlunxin-r200", False)]
    busy = devices[1]
    assert (busy.memory_used_mib, busy.memory_mib, busy.utilization_pct) == (29614, 32768, 93.0)
    assert (busy.power_w, busy.temperature_c) == (142.0, 61.0)
    assert parse("xpu_smi", load("xpu-smi_r200.txt")) == devices


@pytest.mark.parametrize(("vendor", "model", "memory", "kind"), [
    ("nvidia", "NVIDIA H20", None, "nvidia-h20"),
    ("nvidia", "NVIDIA H200", 143771, None),  # "H20" must not name the H200
    ("nvidia", "NVIDIA H200", None, None),
    ("nvidia", "NVIDIA H800", 81559, "nvidia-h800"),
    ("nvidia", "NVIDIA A100-PCIE-40GB", 40960, "nvidia-a100-40g"),
    ("ascend", "910B4", 32768, None),  # the 32 GB variant is not the table's 64 GB 910B
    ("ascend", "910B2", 65536, "ascend-910b"),
    ("hygon", "Z100L", 32752, "hygon-z100"),
    ("nvidia", "Ascend 910B", 65536, None),  # vendor must agree
    ("nvidia", "NVIDIA T4", 15360, None),
])
def test_match_kind(vendor: str, model: str, memory: int | None, kind: str | None) -> None:
    assert match_kind(vendor, model, memory) == kind


def test_an_overridden_table_teaches_new_models() -> None:
    table = default_table().overridden(
        {"kinds": {"nvidia-h100-nvl": {"vendor": "nvidia", "model": "H100 NVL", "memory_gb": 94}}})
    devices = parse("nvidia-smi", load("nvidia-smi_a100_header_units.csv"), table)
    assert devices[3].kind == "nvidia-h100-nvl"
    assert match_kind("nvidia", "NVIDIA H100 80GB HBM3", 81559, table) == "nvidia-h100"


@pytest.mark.parametrize("tool", ["nvidia-smi", "npu-smi", "hy-smi", "cnmon", "xpu-smi"])
def test_empty_output_is_no_devices_and_garbage_is_a_clear_error(tool: str) -> None:
    assert parse(tool, "") == [] and parse(tool, "\n  \n") == []
    with pytest.raises(DiscoveryError, match=f"cannot read {tool} output") as err:
        parse(tool, "bash: command not found\nSegmentation fault (core dumped)\n")
    assert isinstance(err.value, InvalidInput) and err.value.details["tool"] == tool


@pytest.mark.parametrize(("tool", "fixture", "old", "new", "message"), [
    ("nvidia-smi", "nvidia-smi_h100x8.csv", "3, NVIDIA H100", "three, NVIDIA H100", "line 4"),
    ("nvidia-smi", "nvidia-smi_h100x8.csv", ", 00000000:2A:00.0, 0", "", "expected 10"),
    ("nvidia-smi", "nvidia-smi_a100_header_units.csv", "61.42 W", "sixty W", "not a number"),
    ("npu-smi", "npu-smi_info_910b3x8.txt", "3161 / 65536", "lots        ", "memory"),
    ("npu-smi", "npu-smi_info_910b3x8.txt", "| 0     910B3 ", "| zero  910B3 ", "neither an NPU line"),
    ("hy-smi", "hy-smi_k100ai.txt", "Normal   \n1", "\n1", "expected 8 columns"),
    ("cnmon", "cnmon_mlu370x8.txt", "0 MiB/ 46475 MiB", "0 KB / 46 GB    ", "MiB"),
    ("xpu-smi", "xpu-smi_r200.txt", "/dev/xpu1", "xpu1", "not a device row"),
])
def test_damaged_outputs_name_the_problem(tool: str, fixture: str, old: str, new: str, message: str) -> None:
    text = load(fixture)
    assert old in text
    with pytest.raises(DiscoveryError, match=message):
        parse(tool, text.replace(old, new, 1))


def test_truncated_cnmon_and_npu_smi_outputs_are_errors() -> None:
    cn = load("cnmon_mlu370x8.txt").splitlines()
    with pytest.raises(DiscoveryError, match="no status line"):
        parse("cnmon", "\n".join(cn[:8]))  # cut after the first card line
    npu = load("npu-smi_info_910b3x8.txt").splitlines()
    with pytest.raises(DiscoveryError, match="no NPU"):
        parse("npu-smi", "\n".join(npu[:6]))


def test_tools_commands_and_vendors_agree_with_the_accelerator_table() -> None:
    table = default_table()
    assert {v.discovery_tool for v in table.vendors.values()} <= set(DISCOVERY_COMMANDS)
    assert vendor_for_tool("npu-smi") == "ascend" and vendor_for_tool("cnmon") == "cambricon"
    assert DISCOVERY_COMMANDS["nvidia-smi"][0][1] == "--query-gpu=" + ",".join(NVIDIA_FIELDS)
    with pytest.raises(DiscoveryError):
        vendor_for_tool("rocm-smi")
    with pytest.raises(DiscoveryError, match="no parser"):
        parse("rocm-smi", "")
