"""The console's datasets page in headless Chromium: a Chinese corpus uploaded, curated with ``zh-web`` into a
second version, and the version's lineage and curation report (kept and dropped per operator, with samples)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from tests.api.helpers import make_tenant
from tests.console.helpers import open_console, shot
from tests.console.test_console import browser  # noqa: F401  (the shared Chromium fixture)

from suanli.client import Client
from suanli.data.datasets.curation import curate_version

pytestmark = pytest.mark.browser

NEWS = [
    "国家统计局今天发布数据，今年前三季度国内生产总值同比增长百分之五点二，经济运行总体平稳，稳中有进。",
    "上海市发布人工智能产业发展行动方案，提出到二零二七年建成若干个具有国际影响力的算力枢纽和数据中心集群。",
    "气象台预计，未来三天北方地区将出现大风降温天气，部分地区有雨雪，请公众注意防寒保暖，合理安排出行。",
    "教育部召开新闻发布会，介绍义务教育阶段课后服务的进展情况，目前全国中小学已基本实现课后服务全覆盖。",
    "长江流域今年秋季来水偏少，水利部门加强水资源统一调度，确保沿线城乡居民生活用水和农业灌溉用水需求。",
    "一家新能源汽车企业宣布在西部地区新建电池工厂，预计投产后年产能达到四十吉瓦时，可带动就业五千余人。",
]
SPAM = "澳门赌场在线娱乐，注册即送彩金，百家乐真人荷官，日赚万元不是梦，点击链接立即加入！！！"


def corpus(path: Path) -> Path:
    docs = [{"id": f"news-{i}", "text": text} for i, text in enumerate(NEWS)]
    docs += [{"id": f"copy-{i}", "text": NEWS[i]} for i in range(3)]  # exact duplicates
    docs += [{"id": f"spam-{i}", "text": SPAM * 2} for i in range(2)]
    docs += [{"id": "short", "text": "好"}]
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    return path


def test_datasets_lineage_and_curation_report(platform, browser: Browser, output_dir: Path, database_url: str,  # type: ignore[no-untyped-def]  # noqa: F811
                                              tmp_path: Path) -> None:
    admin = Client(platform.url, platform.admin_token, retries=0)
    actors = make_tenant(admin, platform.url, "acme")
    member = actors["member"].client(platform.url)
    member.create_dataset("acme", "zh-news", description="新闻语料 · crawled news, uncleaned")
    member.create_dataset("acme", "empty-set")
    v1 = member.upload_dataset("acme", "zh-news", [corpus(tmp_path / "news.jsonl")], message="first crawl")
    v2 = curate_version(member, "acme", "zh-news", "zh-web", work_dir=tmp_path / "work", workers=1)
    report = member.dataset_report("acme", "zh-news", 2)
    assert v2["parent_number"] == 1 and report["docs_in"] == v1["total_documents"] == 12

    page = open_console(browser, platform.url, actors["viewer"].token, "tenant=acme&page=datasets", height=1000)
    rows = page.locator("#datasets tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#datasets tr", has_text="zh-news")).to_contain_text("新闻语料")
    expect(page.locator("#datasets tr", has_text="zh-news")).to_contain_text("v2")
    shot(page, output_dir, "datasets", database_url)

    page.click("#datasets a:text-is('zh-news')")
    expect(page).to_have_url(f"{platform.url}/#tenant=acme&page=datasets&dataset=zh-news")
    expect(page.locator("svg.lineage .vbox")).to_have_count(2)
    expect(page.locator("svg.lineage .edge")).to_have_count(1)
    expect(page.locator("svg.lineage")).to_contain_text("zh-web")
    expect(page.locator("#versions")).to_contain_text("first crawl")

    page.click("svg.lineage a:has-text('v2')")
    expect(page.locator("#version")).to_contain_text(f"{v2['total_documents']}")
    steps = page.locator("#report .step")
    expect(steps).to_have_count(len(report["steps"]))
    dropping = [s for s in report["steps"] if s["docs_in"] > s["docs_out"]]
    assert dropping, report["steps"]  # the corpus has duplicates and spam: some operator must drop them
    for step in dropping:
        row = page.locator(f"#report .step[data-step='{step['name']}']")
        expect(row).to_contain_text(f"{step['docs_out']} / {step['docs_in']} kept")
        for reason in step["removed"]:
            expect(row.locator(".reason-pill", has_text=reason)).to_be_visible()
    expect(page.locator("#report")).to_contain_text(f"documents out{report['docs_out']}")
    expect(page.locator("#samples tbody tr").first).to_be_visible()
    shot(page, output_dir, "dataset-report", database_url)

    # A version that was uploaded by hand says it has no report; a version that does not exist, says so.
    page.goto(f"{platform.url}/#tenant=acme&page=datasets&dataset=zh-news&version=1")
    expect(page.locator("#report")).to_contain_text("uploaded, not curated")
    page.goto(f"{platform.url}/#tenant=acme&page=datasets&dataset=zh-news&version=9")
    expect(page.locator("#banner")).to_contain_text("no version 9")
    page.close()
