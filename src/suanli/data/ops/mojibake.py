"""General mojibake repair with ftfy, configured so that it leaves Chinese typesetting alone.

ftfy's defaults fold full-width characters to ASCII (``，`` to ``,``) and straighten curly quotes
(``“`` to ``"``): exactly the damage :mod:`suanli.data.ops.punctuation` undoes. Those two fixes are
switched off; the encoding fixes (UTF-8 read as Latin-1 or cp1252, HTML entities, control characters)
stay on.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from suanli.data.ops.operator import TextOperator


@lru_cache(maxsize=1)
def _config() -> Any:
    from ftfy import TextFixerConfig

    return TextFixerConfig(
        fix_character_width=False,
        uncurl_quotes=False,
        fix_latin_ligatures=False,
        normalization="NFC",
        explain=False,
    )


# What ftfy can act on: UTF-8 read as Latin-1/cp1252 (a lead byte's character followed by a
# continuation byte's), HTML entities, control characters, replacement characters. Text without any of
# them (most Chinese text) skips ftfy, which costs more than the rest of the repair.
_SUSPECT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
    "|&[#a-zA-Z0-9]{2,8};|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\u001b]"
)


def fix(text: str) -> str:
    """Fix mojibake in ``text`` without touching full-width punctuation or curly quotes."""
    if not _SUSPECT.search(text):
        return text
    import ftfy

    return str(ftfy.fix_text(text, config=_config()))


class FixMojibake(TextOperator):
    """Repair UTF-8/Latin-1 style mojibake, HTML entities and control characters (CJK-safe ftfy)."""

    name = "fix_mojibake"

    def prepare(self) -> None:
        """Import ftfy now (see :meth:`suanli.data.pipeline.Pipeline.prepare`)."""
        import ftfy  # noqa: F401

        _config()

    def rewrite(self, text: str) -> tuple[str, dict[str, int]]:
        new = fix(text)
        return new, ({"docs_fixed": 1} if new != text else {})
