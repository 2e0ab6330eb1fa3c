import pytest

from suanli.core.accelerators import default_table, kind_of, vendor_of
from suanli.core.errors import InvalidInput


def test_every_vendor_of_the_mission_is_in_the_table() -> None:
    envs = {v.visible_devices_env for v in default_table().vendors.values()}
    assert envs == {"CUDA_VISIBLE_DEVICES", "ASCEND_RT_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES",
                    "MLU_VISIBLE_DEVICES", "XPU_VISIBLE_DEVICES"}
    assert vendor_of("ascend-910b").k8s_resources[0] == "huawei.com/Ascend910"
    assert vendor_of("ascend-910b").domestic and not vendor_of("nvidia-h100").domestic
    assert kind_of("nvidia-h100").memory_gb == 80


def test_unknown_kind_lists_the_known_ones() -> None:
    with pytest.raises(InvalidInput) as err:
        kind_of("tpu-v5")
    assert "nvidia-h100" in err.value.details["known"]


def test_a_cluster_can_extend_and_override_the_table() -> None:
    table = default_table().overridden({
        "vendors": {"moore": {"visible_devices_env": "MUSA_VISIBLE_DEVICES", "discovery_tool": "mthreads-gmi",
                              "domestic": True}},
        "kinds": {"moore-s4000": {"vendor": "moore", "memory_gb": 48},
                  "nvidia-h100": {"vendor": "nvidia", "model": "H100 NVL", "memory_gb": 94}},
    })
    assert vendor_of("moore-s4000", table).visible_devices_env == "MUSA_VISIBLE_DEVICES"
    assert kind_of("nvidia-h100", table).memory_gb == 94
    assert kind_of("nvidia-h100").memory_gb == 80  # the default is untouched
    with pytest.raises(InvalidInput, match="unknown vendor"):
        default_table().overridden({"kinds": {"x": {"vendor": "nobody", "memory_gb": 1}}})
