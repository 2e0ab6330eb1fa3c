"""Masking of personal data: Chinese mobile numbers, resident ID numbers, bank cards, e-mail, IP.

Numbers are masked only when they verify (the ID's ISO 7064 check digit and birth date, the card's Luhn
digit), so order numbers, timestamps and statistics stay.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from suanli.data.ops.operator import TextOperator

_ID = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])"
                 r"(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])")
_CARD = re.compile(r"(?<![0-9])(?:\d{4}[ -]?){3}\d{4}(?:[ -]?\d{1,3})?(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![0-9])")
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@"
                    r"[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,}")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(r"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![0-9A-Fa-f:])")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def resident_id_valid(number: str) -> bool:
    """ISO 7064 MOD 11-2 check digit of an 18-digit resident identity number."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_valid(digits: str) -> bool:
    """The Luhn check that every bank card number satisfies."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _ip_valid(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


Masker = tuple[str, re.Pattern[str], Callable[[str], bool]]

MASKERS: dict[str, Masker] = {
    "id_card": ("<ID_NUMBER>", _ID, resident_id_valid),
    "bank_card": ("<BANK_CARD>", _CARD, lambda s: luhn_valid(re.sub(r"[ -]", "", s))),
    "mobile": ("<PHONE>", _MOBILE, lambda s: True),
    "email": ("<EMAIL>", _EMAIL, lambda s: True),
    "ipv4": ("<IP>", _IPV4, _ip_valid),
    "ipv6": ("<IP>", _IPV6, _ip_valid),
}
"""Kind -> (replacement, pattern, verifier), applied in this order (an ID is also 18 digits)."""

_DIGITS_17 = re.compile(r"\d{17}")
_DIGITS_4 = re.compile(r"\d{4}")
_DECIMAL = re.compile(r"\d\.\d")

_CAN_MATCH: dict[str, Callable[[str], bool]] = {
    "id_card": lambda t: _DIGITS_17.search(t) is not None,
    "bank_card": lambda t: _DIGITS_4.search(t) is not None,
    "mobile": lambda t: _DIGITS_4.search(t) is not None,
    "email": lambda t: "@" in t,
    "ipv4": lambda t: _DECIMAL.search(t) is not None,
    "ipv6": lambda t: t.count(":") >= 7,
}
"""Kind -> a necessary condition for its pattern to match, much cheaper to test than the pattern.

The patterns begin with a look-behind, which keeps the regex engine from skipping ahead to a likely
first character; most documents lack what a kind needs (17 digits in a row for an ID, 4 for a card or
a phone number, ``@``, a dotted number, seven colons), and then its scan is skipped.
"""


def mask(text: str, kinds: list[str] | None = None) -> tuple[str, dict[str, int]]:
    """Replace verified personal data in ``text``; return the text and counts per kind."""
    counts: dict[str, int] = {}
    for kind in kinds or list(MASKERS):
        token, pattern, valid = MASKERS[kind]
        can_match = _CAN_MATCH.get(kind)
        if can_match is not None and not can_match(text):
            continue

        def replace(match: re.Match[str], token: str = token, valid: Callable[[str], bool] = valid,
                    kind: str = kind) -> str:
            if not valid(match.group(0)):
                return match.group(0)
            counts[kind] = counts.get(kind, 0) + 1
            return token

        text = pattern.sub(replace, text)
    return text, counts


class MaskPII(TextOperator):
    """Mask verified personal data with placeholder tokens such as ``<PHONE>``."""

    name = "mask_pii"

    def __init__(self, field: str = "text", kinds: list[str] | None = None) -> None:
        super().__init__(field)
        unknown = set(kinds or ()) - set(MASKERS)
        if unknown:
            raise ValueError(f"unknown PII kinds: {sorted(unknown)}; known: {sorted(MASKERS)}")
        self.kinds = kinds

    def rewrite(self, text: str) -> tuple[str, dict[str, int]]:
        return mask(text, self.kinds)
