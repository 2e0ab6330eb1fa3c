from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from suanli.cli.main import app


def test_curate_command_writes_output_and_report(tmp_path: Path, news: list[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n"
                           for i, t in enumerate(news + news[:2])), "utf-8")
    out, rep = tmp_path / "out.jsonl", tmp_path / "report.json"
    result = CliRunner().invoke(app, ["curate", "--recipe", "zh-dedup", "--input", str(src),
                                      "--output", str(out), "--report", str(rep), "--workers", "1",
                                      "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed == json.loads(rep.read_text("utf-8"))
    assert printed["docs_in"] == len(news) + 2 and printed["docs_out"] == len(news)
    assert len(out.read_text("utf-8").splitlines()) == len(news)


def test_unknown_recipe_is_a_friendly_error(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("{}\n", "utf-8")
    result = CliRunner().invoke(app, ["curate", "--recipe", "nope", "--input", str(src),
                                      "--output", str(tmp_path / "o.jsonl")])
    assert result.exit_code != 0
    assert not (tmp_path / "o.jsonl").exists()
