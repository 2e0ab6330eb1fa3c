from __future__ import annotations

from suanli.data.damage import damage
from suanli.data.pipeline import curate_documents
from suanli.data.recipe import load, parse


def test_ids_and_other_fields_pass_through(news: list[str]) -> None:
    docs = [{"id": f"n{i}", "text": damage(t), "source": "farm"} for i, t in enumerate(news)]
    out, report = curate_documents(load("zh-repair"), docs)
    assert [d["id"] for d in out] == [d["id"] for d in docs]
    assert all(d["source"] == "farm" for d in out)
    assert report["docs_in"] == report["docs_out"] == len(news)
    assert report["bytes_out"] < report["bytes_in"]


def test_report_counts_removals_with_samples(news: list[str]) -> None:
    recipe = parse({"steps": [{"op": "language", "languages": ["zh"]}, {"op": "dedup_exact"},
                              {"op": "dedup_near"}]})
    docs = [{"id": 1, "text": news[0]}, {"id": 2, "text": "An English document about the weather."},
            {"id": 3, "text": news[0] + " "}, {"id": 4, "text": news[1]},
            {"id": 5, "text": news[6][:-20]}, {"id": 6, "text": news[6]}]
    out, report = curate_documents(recipe, docs)
    assert [d["id"] for d in out] == [1, 4, 5]
    lang, exact, near = report["steps"]
    assert lang["removed"] == {"lang:en": 1}
    assert lang["samples"][0]["id"] == 2 and lang["samples"][0]["reason"] == "lang:en"
    assert exact["removed"] == {"duplicate": 1} and exact["samples"][0]["duplicate_of"] == "1"
    assert near["removed"] == {"duplicate": 1} and near["samples"][0]["duplicate_of"] == "5"
    assert near["docs_in"] == 4 and near["docs_out"] == 3


def test_dedup_against_an_existing_corpus(news: list[str]) -> None:
    recipe = load("zh-dedup")
    out, report = curate_documents(recipe, [{"text": t} for t in news[:4]],
                                   reference=[{"id": "old", "text": news[2]}])
    assert len(out) == 3
    assert report["steps"][1]["samples"][0]["duplicate_of"] == "ref:old"


def test_unknown_text_field_is_a_reason_not_a_crash() -> None:
    out, report = curate_documents(load("zh-repair"), [{"id": 1, "content": "没有text字段"}])
    assert out == []
    assert report["steps"][0]["removed"] == {"no_text_field:text": 1}
