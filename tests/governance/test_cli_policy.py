import json
import re
from pathlib import Path

from typer.testing import CliRunner

from suanli.cli.main import app

DOC = Path(__file__).resolve().parents[2] / "docs" / "governance.md"


def write_examples(tmp_path: Path) -> list[str]:
    found = dict(re.findall(r"```yaml\n# (\S+)\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S))
    for name, text in found.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return ["policy", "check", "--rules", str(tmp_path / "rules.yaml"), "--pools", str(tmp_path / "pools.yaml"),
            "--workload", str(tmp_path / "workload.yaml"), "--at", "2026-11-20T12:00:00+08:00"]


def test_policy_check_prints_one_json_document(tmp_path):
    result = CliRunner().invoke(app, [*write_examples(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["quote"]["chosen"] == "sh-telecom"
    assert doc["quote"]["offers"][0]["price_per_hour"] == "128.00"
    assert [d["permitted"] for d in doc["decisions"]] == [True, False, False]
    assert doc["decisions"][1]["exclusions"][0]["message"].startswith(
        "pool sh-river-resold excluded by rule finance-listed-providers version 1"
    )


def test_policy_check_prints_tables(tmp_path):
    result = CliRunner().invoke(app, write_examples(tmp_path))
    assert result.exit_code == 0, result.output
    assert "chosen: pool sh-telecom" in result.stdout


def test_bad_rules_are_reported_with_their_line(tmp_path):
    args = write_examples(tmp_path)
    (tmp_path / "rules.yaml").write_text("- {id: r, version: 1, author: a, effective: 2026-11-01, forbid: {x: 1}}\n")
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    assert isinstance(result.exception, Exception) and "line 1" in str(result.exception)
