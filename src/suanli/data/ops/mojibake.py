"""General mojibake repair with ftfy, configured so that it leaves Chinese typesetting alone.

ftfy's defaults fold full-width characters to ASCII (``，`` to ``,``) and straighten curly quotes
(``“`` to ``"``): exactly the damage :mod:`suanli.data.ops.punctuation` undoes. Those two fixes are
switched off; the encoding fixes (UTF-8 read as Latin-1 or cp1252, HTML entities, control characters)
stay on.
"""

from __future__ import annotations

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


def fix(text: str) -> str:
    """Fix mojibake in ``text`` without touching full-width punctuation or curly quotes."""
    import ftfy

    return str(ftfy.fix_text(text, config=_config()))


class FixMojibake(TextOperator):
    """Repair UTF-8/Latin-1 style mojibake, HTML entities and control characters (CJK-safe ftfy)."""

    name = "fix_mojibake"

    def rewrite(self, text: str) -> tuple[str, dict[str, int]]:
        new = fix(text)
        return new, ({"docs_fixed": 1} if new != text else {})
