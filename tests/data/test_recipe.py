from __future__ import annotations

from pathlib import Path

import pytest

from suanli.core.errors import InvalidInput
from suanli.data.recipe import builtin_names, load, parse


def test_builtins_ship_and_load() -> None:
    assert set(builtin_names()) >= {"zh-web", "en-web", "zh-repair", "zh-dedup"}
    web = load("zh-web")
    ops = [s.op for s in web.steps]
    assert ops[-2:] == ["dedup_exact", "dedup_near"]
    assert "realign_gbk" in ops and "mask_pii" in ops and "extract" in ops
    assert [s.op for s in load("zh-repair").steps] == [
        "fix_mojibake", "realign_gbk", "simplify_script", "strip_pinyin", "restore_punctuation"]


def test_recipe_from_file_and_common_field(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("field: content\nsteps:\n  - op: strip_pinyin\n  - op: dedup_exact\n", "utf-8")
    recipe = load(str(path))
    assert recipe.name == "mine"
    assert all(s.params["field"] == "content" for s in recipe.steps)


@pytest.mark.parametrize("data", [
    None,
    {"steps": []},
    {"steps": [{"op": "no_such_op"}]},
    {"steps": [{"op": "dedup_exact"}, {"op": "strip_pinyin"}]},
    {"steps": [{"op": "quality", "min_chars": 10, "bogus": 1}]},
    {"steps": [{"op": "simplify_script", "mode": "sometimes"}]},
])
def test_bad_recipes_are_invalid_input(data: object) -> None:
    with pytest.raises(InvalidInput):
        parse(data)


def test_missing_recipe_names_the_builtins() -> None:
    with pytest.raises(InvalidInput, match="zh-web"):
        load("no-such-recipe")
