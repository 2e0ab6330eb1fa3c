from __future__ import annotations

from suanli.data.ops.extract import ExtractText

PAGE = """<html><head><title>t</title></head><body>
<nav><a href="/">首页</a> | <a href="/news">新闻</a> | <a href="/about">关于我们</a></nav>
<article><h1>云计算迎来新机遇</h1>
<p>大模型对云计算来说是一个非常好的机会点。优刻得董事长兼CEO季昕华在接受采访时表示，随着新一轮人工智能浪潮滚滚而来，云计算有了更多走入千行百业的机会。</p>
<p>第十四届全国政协委员陆铭则提到部分重点行业存在对民营数字科技企业的隐性歧视的问题，如何让民营云服务商有更广阔的生存空间受到他的关注。</p>
</article>
<footer>版权所有 © 2024 某某网站 京ICP备12345678号</footer>
</body></html>"""


def test_extracts_main_text_without_boilerplate() -> None:
    result = ExtractText()({"id": "p1", "html": PAGE, "url": "http://x"})
    assert result.doc is not None
    text = result.doc["text"]
    assert "优刻得董事长兼CEO季昕华" in text and "隐性歧视" in text
    assert "版权所有" not in text and "关于我们" not in text
    assert "html" not in result.doc and result.doc["id"] == "p1" and result.doc["url"] == "http://x"


def test_documents_without_html_pass_and_empty_pages_go() -> None:
    op = ExtractText()
    assert op({"text": "已经是文本"}).doc == {"text": "已经是文本"}
    assert op({"html": "<html><body></body></html>"}).reason == "extract:empty"
