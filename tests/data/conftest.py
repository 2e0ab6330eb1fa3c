"""Fixtures of the data-plane tests: the real damaged article and a few clean news documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.shared_data import SHARED_DATA

SHARED = SHARED_DATA / "corpora"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "data"


@pytest.fixture(scope="session")
def damaged_sample() -> str:
    """The real content-farm article (``../shared/data/corpora/damaged_news_sample.txt``)."""
    return (SHARED / "damaged_news_sample.txt").read_text("utf-8")


@pytest.fixture(scope="session")
def news() -> list[str]:
    """Eight clean Simplified news articles (first lines of ``zh_news.jsonl``, see the fixture's README)."""
    with (FIXTURES / "zh_news_head.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh]
