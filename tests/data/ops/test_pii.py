from __future__ import annotations

import pytest

from suanli.data.ops.pii import MaskPII, luhn_valid, mask, resident_id_valid


def test_checksums() -> None:
    assert resident_id_valid("11010519491231002X")
    assert not resident_id_valid("110105194912310021")
    assert luhn_valid("6222020200000000006")
    assert not luhn_valid("6222020200000000003")


def test_masks_verified_personal_data_only() -> None:
    text = ("电话13812345678，+86 138-1234-5678；身份证11010519491231002X，假的110105194912310021；"
            "卡号6222 0202 0000 0000 006，不是卡6222020200000000003；邮箱li.lei@example.com；"
            "IP 192.168.1.1 不是 999.1.1.1；订单20230712123456789")
    masked, counts = mask(text)
    assert "<PHONE>，<PHONE>；" in masked
    assert "身份证<ID_NUMBER>，假的110105194912310021" in masked
    assert "卡号<BANK_CARD>，不是卡6222020200000000003" in masked
    assert "邮箱<EMAIL>" in masked and "IP <IP> 不是 999.1.1.1" in masked
    assert "订单20230712123456789" in masked
    assert counts == {"id_card": 1, "bank_card": 1, "mobile": 2, "email": 1, "ipv4": 1}


def test_operator_kinds() -> None:
    op = MaskPII(kinds=["email"])
    result = op({"id": 1, "text": "a@b.cn 13812345678"})
    assert result.doc == {"id": 1, "text": "<EMAIL> 13812345678"}



def test_cheap_prechecks_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from suanli.data.ops import pii

    texts = ["没有数字", "电话：1381234 5678", "１３８１２３４５６７８", "a@b.cn", "1.2.3.4", "v6 1:2:3:4:5:6:7:8",
             "身份证号11010519491231002X", "卡6222-0202-0000-0000-006", "12:30:45:00:11:22:33 不是地址"]
    with_checks = [mask(t) for t in texts]
    monkeypatch.setattr(pii, "_CAN_MATCH", {})
    assert with_checks == [mask(t) for t in texts]
    assert sum(bool(counts) for _, counts in with_checks) == 6
