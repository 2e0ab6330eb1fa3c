"""The governance CLI against a live server, through the SDK: provider, pool, policy, quote, budget, bill."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.billing.helpers import month_of, next_hour, usage
from typer.testing import CliRunner

from suanli.cli.main import app
from suanli.client import Client
from suanli.core import errors

RULES = """rules:
  - id: bank-domestic-accelerators
    version: 1
    author: cto@bank.example
    effective: {effective}
    description: this tenant runs only on domestic accelerators
    applies_to: {{tenants: [bank]}}
    forbid: {{domestic_accelerators: false}}
"""


def test_operator_and_tenant_workflow(platform, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    env = {"SUANLI_URL": platform.url, "SUANLI_TOKEN": platform.admin_token, "COLUMNS": "200"}

    def suanli(*args: str) -> str:
        result = runner.invoke(app, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result.stdout

    suanli("tenant", "create", "bank", "--industry", "finance")
    Client(platform.url, platform.admin_token).set_residency("bank", "CN-SH")
    suanli("provider", "add", "telecom-cloud", "--ownership", "state-owned")
    suanli("provider", "add", "province-agent", "--ownership", "private")
    assert [p["id"] for p in json.loads(suanli("provider", "list", "--json"))] == ["province-agent", "telecom-cloud"]
    suanli("pool", "add", "sh-a", "--provider", "telecom-cloud", "--region", "cn-east", "--jurisdiction", "CN-SH",
           "--cert", "mlps-3", "--accelerators", "ascend-910b=64", "--resale", "province-agent=0.10")
    suanli("pool", "add", "sh-b", "--provider", "telecom-cloud", "--region", "cn-east", "--jurisdiction", "CN-SH",
           "--accelerators", "nvidia-h100=16")
    suanli("pool", "price", "sh-a", "--sku", "accelerator-hour/ascend-910b", "--price", "16.00")
    suanli("pool", "price", "sh-b", "--sku", "accelerator-hour/nvidia-h100", "--price", "20.00")
    shown = json.loads(suanli("pool", "show", "sh-a", "--json"))
    assert shown["resale"] == [{"reseller": "province-agent", "markup": "0.1"}] and len(shown["prices"]) == 1
    assert "province-agent +0.1" in suanli("pool", "list")

    at = datetime.now(UTC) + timedelta(hours=1)
    (tmp_path / "rules.yaml").write_text(RULES.format(effective=at.isoformat()))
    assert json.loads(suanli("policy", "upload", str(tmp_path / "rules.yaml"), "--json"))["version"] == 1
    assert [v["rule_count"] for v in json.loads(suanli("policy", "list", "--json"))] == [1]
    assert "bank-domestic-accelerators" in suanli("policy", "show", "1")
    (tmp_path / "job.yaml").write_text("name: job_sft\nclassification: internal\n"
                                       "accelerators: {kinds: [nvidia-h100, ascend-910b], count: 8}\n")
    q = json.loads(suanli("quote", "-t", "bank", "--spec", str(tmp_path / "job.yaml"), "--at",
                          (at + timedelta(minutes=5)).isoformat(), "--json"))
    assert q["chosen"] == "sh-a" and q["excluded"][0]["pool"] == "sh-b"
    assert "excluded by rule bank-domestic-accelerators version 1" in q["excluded"][0]["explanation"]
    table = suanli("quote", "-t", "bank", "--accelerators", "nvidia-h100", "--count", "2")  # before the rule
    assert "chosen: pool sh-b" in table

    t0 = next_hour()
    month = month_of(t0)
    budget = json.loads(suanli("budget", "set", "-t", "bank", "-m", month, "--limit", "300", "--hard-stop", "--json"))
    assert budget["hard_stop"] is True and budget["spent"] == "0.00"
    Client(platform.url, platform.admin_token).record_usage(
        [usage("u1", "bank", t0, hours=2, pool="sh-a", user="alice"),
         usage("u2", "bank", t0, hours=1, pool="sh-b", sku="accelerator-hour/nvidia-h100", units="2", user="bob")])
    platform.runner.run_pass()
    bill = json.loads(suanli("bill", "--tenant", "bank", "--month", month, "--json"))
    assert bill["total"] == "321.60" and bill["by_user"] == {"alice": "281.60", "bob": "40.00"}  # 8x2x17.6; 2x20
    rows = list(csv.DictReader(io.StringIO(suanli("bill", "-t", "bank", "-m", month, "--csv"))))
    assert sorted(r["amount"] for r in rows) == ["281.60", "40.00"]
    assert "showback by user" in suanli("bill", "-t", "bank", "-m", month)
    shown_budget = json.loads(suanli("budget", "show", "-t", "bank", "-m", month, "--json"))
    assert shown_budget["refuse_new"] is True and [a["threshold"] for a in shown_budget["alerts"]] == [50, 80, 100]
    assert "new work refused" in suanli("budget", "show", "-t", "bank", "-m", month)
    failed = runner.invoke(app, ["bill", "-t", "bank", "-m", "2026-13"], env=env)
    assert isinstance(failed.exception, errors.InvalidInput) and "2026-13" in failed.exception.message
