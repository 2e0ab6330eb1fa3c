"""A Ray cluster's config and its nodes read as suanli nodes, without a cluster (pure functions)."""

from __future__ import annotations

from typing import Any

import pytest

from suanli.core.errors import InvalidInput
from suanli.engines.connect import check_config
from suanli.engines.ray_config import RayConfig, RayNode, check, inventory, node_name


def test_a_valid_config_is_normalised() -> None:
    assert check({"address": "http://10.0.0.1:8265/"}) == {"address": "http://10.0.0.1:8265"}
    full = {"address": "https://ray.example:443", "accelerator_types": {"A800": "nvidia-a100"},
            "resources": {"MLU": "cambricon-mlu370", "GPU": "nvidia-h20"}}
    assert check_config("ray", full) == full
    assert RayConfig.of({"address": "http://h:1", "python": "/opt/py/bin/python"}).python == "/opt/py/bin/python"
    assert RayConfig.of({"address": "http://h:1"}).python is None  # the server's own interpreter


@pytest.mark.parametrize("config, words", [
    ({}, "config.address"),
    ({"address": 8265}, "config.address"),
    ({"address": "ray://10.0.0.1:10001"}, "not a ray://"),
    ({"address": "10.0.0.1:8265"}, "http(s) URL"),
    ({"address": "http://user:pw@10.0.0.1:8265"}, "no credentials"),
    ({"address": "http://10.0.0.1:99999"}, "port"),
    ({"address": "http://h:1", "token": "x"}, "unknown ray config key"),
    ({"address": "http://h:1", "resources": {"GPU": "no-such-chip"}}, "no-such-chip"),
    ({"address": "http://h:1", "resources": {"NPU": "nvidia-h100"}}, "cannot count nvidia"),
    ({"address": "http://h:1", "resources": {"CPU": "nvidia-h100"}}, "not a device resource"),
    ({"address": "http://h:1", "resources": ["GPU"]}, "must be an object"),
    ({"address": "http://h:1", "accelerator_types": {"bad name!": "nvidia-h100"}}, "invalid name"),
    ({"address": "http://h:1", "python": ""}, "config.python"),
    ({"address": "http://h:1", "python": ["python"]}, "config.python"),
])
def test_bad_configs_are_refused_with_a_reason(config: dict[str, Any], words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check(config)
    assert words in caught.value.message


def _node(ip: str, alive: bool = True, **resources: float) -> RayNode:
    return RayNode(ip, {"CPU": 8.0, f"node:{ip}": 1.0, **resources}, {}, alive)


def test_nodes_read_as_suanli_nodes() -> None:
    config = RayConfig.of({"address": "http://h:1", "resources": {"NPU": "ascend-910b", "MLU": "cambricon-mlu370"}})
    nodes = [
        _node("10.0.0.2", GPU=8, **{"accelerator_type:H100": 1.0}),
        _node("10.0.0.3", NPU=8, **{"accelerator_type:Ascend910B": 1.0}),
        _node("10.0.0.4", GPU=4, MLU=2, **{"accelerator_type:A100-40G": 1.0}),
        _node("10.0.0.5", GPU=2),  # no type and no mapping for GPU: left out, with a note
        _node("10.0.0.6", CPU=64),  # a CPU-only node: no devices
        _node("10.0.0.7", alive=False, GPU=8, **{"accelerator_type:H100": 1.0}),
    ]
    reports, targets, notes = inventory(nodes, config)
    got = {(r.name, r.kind, r.count, r.memory_gb, r.healthy) for r in reports}
    assert got == {
        ("10-0-0-2", "nvidia-h100", 8, 80, True), ("10-0-0-3", "ascend-910b", 8, 64, True),
        ("10-0-0-4", "nvidia-a100-40g", 4, 40, True), ("10-0-0-4-cambricon-mlu370", "cambricon-mlu370", 2, 48, True),
        ("10-0-0-7", "nvidia-h100", 8, 80, False),
    }
    assert targets["10-0-0-4-cambricon-mlu370"].resource == "MLU" and targets["10-0-0-3"].ip == "10.0.0.3"
    assert "10-0-0-7" not in targets  # nothing is ever launched on a dead node
    assert len(notes) == 1 and "2 GPU on 10.0.0.5" in notes[0]


def test_an_operator_mapping_names_the_kind() -> None:
    config = RayConfig.of({"address": "http://h:1", "accelerator_types": {"A800": "nvidia-a100"},
                           "resources": {"GPU": "nvidia-h20"}})
    reports, _, _ = inventory([_node("10.0.0.2", GPU=8, **{"accelerator_type:A800": 1.0}),
                               _node("10.0.0.3", GPU=8)], config)
    assert [(r.name, r.kind) for r in reports] == [("10-0-0-2", "nvidia-a100"), ("10-0-0-3", "nvidia-h20")]


def test_a_restarted_node_replaces_its_dead_self_and_labels_place_it() -> None:
    config = RayConfig.of({"address": "http://h:1"})
    alive = RayNode("10.0.0.2", {"GPU": 8.0, "accelerator_type:H100": 1.0},
                    {"suanli.io/interconnect-domain": "nvl-1", "suanli.io/rack": "r7"})
    dead = RayNode("10.0.0.2", {"GPU": 8.0, "accelerator_type:H100": 1.0}, {}, alive=False)
    reports, targets, _ = inventory([dead, alive], config)
    assert targets["10-0-0-2"].ip == "10.0.0.2"
    assert [(r.name, r.healthy, r.interconnect_domain, r.rack) for r in reports] == [
        ("10-0-0-2", True, "nvl-1", "r7")]
    assert node_name("fe80::1") == "fe80-1"
