from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from suanli.cli.main import app
from suanli.core.errors import InvalidInput
from suanli.data.classifier.model import QualityModel
from suanli.data.pipeline import curate_documents
from suanli.data.recipe import parse

from .conftest import CORPORA, read


def test_quality_model_filters_in_a_recipe(model: QualityModel, model_file: Path, news: list[str]) -> None:
    pages = read("cc2021-43_cleared1.jsonl", "raw_content")[:20]
    docs = [{"id": f"n{i}", "text": t} for i, t in enumerate(news)] + [{"id": f"w{i}", "text": t}
                                                                         for i, t in enumerate(pages)]
    threshold = 0.7
    recipe = parse({"name": "q", "steps": [{"op": "quality_model", "model": str(model_file),
                                            "threshold": threshold, "score_field": "quality"}]})
    kept, report = curate_documents(recipe, docs)
    expected = [d["id"] for d in docs if model.score(str(d["text"])) >= threshold]
    assert [d["id"] for d in kept] == expected
    assert 0 < len(kept) < len(docs)  # the threshold separates something on this mix
    assert all(threshold <= d["quality"] <= 1 for d in kept)
    assert report["steps"][0]["removed"] == {"quality_model:low_score": len(docs) - len(kept)}


@pytest.mark.parametrize("params", [{"model": "/no/such/model.npz"}, {"threshold": 1.5}, {"threshold": "high"}])
def test_bad_parameters_are_invalid_input(model_file: Path, params: dict[str, object]) -> None:
    step = {"op": "quality_model", "model": str(model_file), **params}
    with pytest.raises(InvalidInput, match="quality_model"):
        parse({"steps": [step]})


def test_cli_trains_reports_and_writes_a_model(tmp_path: Path) -> None:
    out = tmp_path / "m.npz"
    result = CliRunner().invoke(app, [
        "quality", "train", "--clean", str(CORPORA / "fasttext_clean.jsonl"),
        "--dirty", str(CORPORA / "fasttext_dirty.jsonl"),
        "--dirty", f"{CORPORA / 'cc2021-43_cleared1.jsonl'}:raw_content",
        "--output", str(out), "--holdout", "0.3", "--threshold", "0.5", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["clean"] == len(read("fasttext_clean.jsonl")) and printed["dirty"] == 110
    counts = printed["held_out"]["thresholds"]["0.5"]
    total = sum(counts[k] for k in ("removed_dirty", "removed_clean", "kept_dirty", "kept_clean"))
    assert total == printed["held_out"]["held_out"]
    assert out.stat().st_size == printed["model_bytes"]


def test_cli_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "no text"}\n', "utf-8")
    result = CliRunner().invoke(app, ["quality", "train", "--clean", str(bad), "--dirty", str(bad),
                                      "--output", str(tmp_path / "m.npz")])
    assert isinstance(result.exception, InvalidInput) and "no text field 'text'" in str(result.exception)
    assert not (tmp_path / "m.npz").exists()
    result = CliRunner().invoke(app, ["quality", "train", "--clean", str(tmp_path / "nope.jsonl"), "--dirty",
                                      str(bad), "--output", str(tmp_path / "m.npz"), "--holdout", "1.5"])
    assert isinstance(result.exception, InvalidInput) and "--holdout" in str(result.exception)
    assert not (tmp_path / "m.npz").exists()
