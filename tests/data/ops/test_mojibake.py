from __future__ import annotations

from suanli.data.ops.mojibake import FixMojibake, fix


def test_fixes_utf8_read_as_latin1() -> None:
    broken = "中文测试".encode().decode("latin-1")
    assert fix(broken) == "中文测试"
    assert fix("Iâ€™m here") == "I’m here"


def test_leaves_chinese_typesetting_alone() -> None:
    text = "他说：“你好，世界！”（完）"
    assert fix(text) == text
    assert FixMojibake()({"text": text}).doc == {"text": text}
