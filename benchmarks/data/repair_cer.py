"""Repair quality: damage clean news with the generator, repair with ``zh-repair``, measure CER.

    .venv/bin/python benchmarks/data/repair_cer.py [--limit N]

Writes ``results/repair.md`` and ``results/sample_repaired.txt`` (the real damaged article, repaired).
CER = edit distance to the clean text / clean length, summed over the corpus (micro average).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CORPORA, RESULTS, levenshtein, machine, read_jsonl, table

from suanli.data.damage import (
    annotate_pinyin,
    damage,
    drop_gbk_byte,
    to_traditional_by_table,
    to_traditional_like_sample,
)
from suanli.data.pipeline import curate_documents
from suanli.data.recipe import load


def cer(pairs: list[tuple[str, str]], width_blind: bool = False) -> float:
    """Micro-averaged character error rate of (hypothesis, reference) pairs.

    ``width_blind`` compares after NFKC, so ``，`` and ``,`` count as the same character: what is
    left is the error in the *content*, without the punctuation width that NFKC made unknowable
    where the authors themselves mixed ASCII and full-width marks.
    """
    if width_blind:
        pairs = [(unicodedata.normalize("NFKC", h), unicodedata.normalize("NFKC", r)) for h, r in pairs]
    errors = sum(levenshtein(h, r) for h, r in pairs)
    return errors / max(1, sum(len(r) for _, r in pairs))


def _context_class(ch: str) -> str:
    if not ch:
        return "edge"
    if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf":
        return "han"
    if ch.isspace():
        return "space"
    if ch.isdigit():
        return "digit"
    if ch.isascii() and ch.isalpha():
        return "latin"
    return "ascii-mark" if ch.isascii() else "other"


class WidthFloor(NamedTuple):
    """What the text after NFKC allows a width rule, counted in wrong decisions (see :func:`width_floor`)."""

    decisions: int
    fitted: int
    held_out: int
    with_habit: int


def width_floor(clean: list[str], reach: int = 1) -> WidthFloor:
    """Width decisions, and how many of them a rule on the context around each mark must get wrong.

    Every character that NFKC folds (and every ASCII character it could have come from) is a decision
    for the restorer: full or half width. Grouped by (folded form, classes of the ``reach`` characters
    before, classes of the ``reach`` after) in the NFKC text:

    - ``fitted``: the best rule on that context, even fitted on the answers, gets each group's minority
      wrong (a floor);
    - ``held_out``: the rule learned from every other document's answers, tested on the rest (two
      folds; an unseen context keeps ASCII): what such a rule does on text it was not fitted to;
    - ``with_habit``: grouped by document as well, the errors left if a restorer also knew each
      document's own habit for that context, which NFKC erased.

    Only Chinese documents count (share of Han characters at least 0.1, as the restorer requires).
    """
    from collections import Counter, defaultdict

    folds: tuple[dict[tuple[str, ...], Counter[str]], ...] = (defaultdict(Counter), defaultdict(Counter))
    per_document: dict[tuple[object, ...], Counter[str]] = defaultdict(Counter)
    for number, text in enumerate(clean):
        han = sum(1 for c in text if _context_class(c) == "han")
        if han < 0.1 * max(1, len(text)):
            continue
        pieces = [unicodedata.normalize("NFKC", c) for c in text]
        folded = "".join(pieces)
        pos = 0
        for original, piece in zip(text, pieces, strict=True):
            if piece in _WIDTH_PAIRS or (original != piece and not piece.isspace()):
                end = pos + len(piece)
                before = [_context_class(folded[k] if k >= 0 else "") for k in range(pos - reach, pos)]
                after = [_context_class(folded[k] if k < len(folded) else "") for k in range(end, end + reach)]
                key = (piece, *before, *after)
                folds[number % 2][key][original] += 1
                per_document[(number, *key)][original] += 1
            pos += len(piece)

    def minority(counts: Iterable[Counter[str]]) -> int:
        return sum(sum(c.values()) - max(c.values()) for c in counts)

    whole: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    held_out = 0
    for tested, learned in ((folds[0], folds[1]), (folds[1], folds[0])):
        for key, answers in tested.items():
            whole[key].update(answers)
            guess = max(learned[key], key=learned[key].__getitem__) if key in learned else key[0]
            held_out += sum(answers.values()) - answers[guess]
    return WidthFloor(sum(sum(c.values()) for c in whole.values()), minority(whole.values()), held_out,
                      minority(per_document.values()))


_WIDTH_PAIRS = frozenset(",:;?!()&%~|<>+-")
"""ASCII marks whose full-width forms NFKC folds onto them: each is a width decision."""


def compare_sample(damaged: str, fixed: str, report: dict[str, object]) -> str:
    """The real article: the dropped-byte spans before and after, what each step did, what is left."""
    import re

    from suanli.data.ops.script import to_simplified

    spans = []
    for m in re.finditer(r"[!！]", damaged):
        before = damaged[max(0, m.start() - 4) : m.start() + 9]
        spans.append(before)
    after = [m.group(0) for m in re.finditer(r".{0,4}。[“”].{0,6}", fixed)]
    steps = report["steps"]
    assert isinstance(steps, list)
    step_rows = [[s["name"], s["bytes_in"], s["bytes_out"], json.dumps(s["counters"], ensure_ascii=False)]
                 for s in steps]
    leftover_trad = sorted({c for c in fixed if to_simplified(c) != c})
    leftover_notes = re.findall(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", fixed)
    leftover_ascii = re.findall(r"[\u4e00-\u9fff][,?!:;]|[,?!:;][\u4e00-\u9fff]", fixed)
    lines = [
        "# The real damaged article, repaired",
        "",
        "Input: `damaged_news_sample.txt` (a Yicai / 第一财经 report from the March 2024 \"two sessions\" "
        "on China's cloud industry, interviewing UCloud's Ji Xinhua and CPPCC member Lu Ming, as found "
        "on a content-farm site). Output: `sample_repaired.txt`, by the built-in `zh-repair` recipe.",
        "",
        "## What each step did",
        "",
        table(["step", "bytes in", "bytes out", "counters"], step_rows),
        "",
        "## The dropped-byte spans",
        "",
        table(["damaged (around `!`)", "repaired"],
              [[f"`{b}`", f"`{a}`"] for b, a in zip(spans, after, strict=False)]),
        "",
        "What the original must have been, read from the bytes: `。”优刻得` (the pinyin note `(yōu)` "
        "names the character whose trail byte was lost: GBK `83 9E`, `優`); `。“云计算厂商` (`計`, "
        "lead byte `D3`, named by `(jì)`); `。”2023年` (both the quote's bytes were lost before the "
        "digit; the unmatched opening quote of the paragraph says it was a closing one); `。”陆铭认为` "
        "(the `J` was the trail byte `4A` of `認`). Each repaired span also reads as the sentence around "
        "it requires: the quoted sentence closes with `。”` before the speaker is named.",
        "",
        "## Checks on the repaired text",
        "",
        f"- Traditional characters left: {leftover_trad or 'none'}",
        f"- pinyin notes left: {leftover_notes or 'none'}",
        f"- ASCII `, ? ! : ;` next to Chinese characters: {leftover_ascii or 'none'}",
        f"- `优刻得` present: {'优刻得' in fixed}; `随着` (not OpenCC's `随著`): {'随着' in fixed}",
        "",
        "Not verifiable without the publisher's copy: the width of punctuation that NFKC folded where "
        "Chinese typesetting allows either (`（IaaS+PaaS）` is restored full-width, `32.5%` stays ASCII, "
        "as Chinese news usually typesets them; unverified for this publisher), and the per-document "
        "choice of `著` vs `着` outside the words that keep `著`.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0, help="only the first N documents")
    args = parser.parse_args()
    clean = [str(d["text"]) for d in read_jsonl(CORPORA / "zh_news.jsonl")]
    if args.limit:
        clean = clean[: args.limit]
    recipe = load("zh-repair")
    variants = {
        "all four damages": damage,
        "1 Traditional table": to_traditional_by_table,
        "1+2 + pinyin notes": lambda t: annotate_pinyin(to_traditional_by_table(t)),
        "1+2+3 + GBK byte drop": lambda t: drop_gbk_byte(annotate_pinyin(to_traditional_by_table(t))),
        "4 NFKC only": lambda t: unicodedata.normalize("NFKC", t),
        "all four, the sample's own table": lambda t: unicodedata.normalize(
            "NFKC", drop_gbk_byte(annotate_pinyin(to_traditional_like_sample(t)))),
        "1 the sample's own table": to_traditional_like_sample,
    }
    rows = []
    width_errors = 0
    for label, fn in variants.items():
        damaged = [fn(t) for t in clean]
        started = time.perf_counter()
        repaired, _ = curate_documents(recipe, ({"id": i, "text": t} for i, t in enumerate(damaged)))
        seconds = time.perf_counter() - started
        fixed = [str(d["text"]) for d in repaired]
        exact = sum(1 for a, b in zip(fixed, clean, strict=True) if a == b)
        pairs = list(zip(fixed, clean, strict=True))
        if not width_errors:
            width_errors = round((cer(pairs) - cer(pairs, width_blind=True)) * sum(map(len, clean)))
        rows.append([
            label, f"{cer(list(zip(damaged, clean, strict=True))):.2%}",
            f"{cer(pairs):.3%}", f"{cer(pairs, width_blind=True):.3%}", f"{exact}/{len(clean)}",
            f"{sum(len(t.encode()) for t in damaged) / 1e6 / seconds:.2f}",
        ])
        print(rows[-1], flush=True)
    originals, _ = curate_documents(recipe, ({"id": i, "text": t} for i, t in enumerate(clean)))
    untouched = [str(d["text"]) for d in originals]
    changed = sum(1 for a, b in zip(untouched, clean, strict=True) if a != b)
    from suanli.data.ops.script import SimplifyScript, _converter

    judge = SimplifyScript()
    detection = [
        ["one-to-one table (content farm)", "convert",
         sum(judge.looks_mechanical(to_traditional_by_table(t)) for t in clean)],
        ["the sample's own table (Taiwan variants, 10 characters kept)", "convert",
         sum(judge.looks_mechanical(to_traditional_like_sample(t)) for t in clean)],
        ["OpenCC s2twp (Taiwan, with phrases)", "leave", sum(not judge.looks_mechanical(
            str(_converter("s2twp").convert(t))) for t in clean)],
        ["OpenCC s2hk (Hong Kong)", "leave", sum(not judge.looks_mechanical(
            str(_converter("s2hk").convert(t))) for t in clean)],
    ]
    near, wide = width_floor(clean), width_floor(clean, reach=2)
    total_chars = sum(map(len, clean))
    sample = (CORPORA / "damaged_news_sample.txt").read_text("utf-8")
    (fixed_sample,), sample_report = curate_documents(recipe, [{"text": sample}])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sample_repaired.txt").write_text(str(fixed_sample["text"]), "utf-8")
    (RESULTS / "sample_comparison.md").write_text(compare_sample(sample, str(fixed_sample["text"]),
                                                                 sample_report), "utf-8")
    report = [
        "# Repair: character error rate against the clean text",
        "",
        f"Corpus: `zh_news.jsonl`, {len(clean)} documents, {sum(map(len, clean)):,} characters. "
        f"Machine: {machine()}. Command: `.venv/bin/python benchmarks/data/repair_cer.py`.",
        "",
        table(["damage", "CER damaged", "CER after zh-repair", "same, width-blind", "docs exactly restored",
               "repair MB/s (1 core)"], rows),
        "",
        "`width-blind` compares after NFKC: `，` and `,` count as equal. The difference between the two "
        "columns is punctuation width that NFKC destroyed and that the originals themselves mix (ASCII "
        "commas between Chinese characters, full-width colons in URLs): the repair restores the width "
        "that Chinese typesetting uses, which is not always what the author typed.",
        "",
        "The last two rows use the sample's own Traditional table instead of OpenCC's character table (read "
        "from the sample: Taiwan's variants `為` `群` `著`, and ten Simplified characters such as `云` `后` "
        "`里` `于` left alone; against the sample's text it leaves only the four re-aligned spans "
        "different, where OpenCC's table differs at 81 more characters). The repair was built on the "
        "OpenCC table; these rows show how it does on the farm's actual one.",
        "",
        f"**The floor under any width rule.** NFKC leaves {near.decisions:,} width decisions in these "
        f"articles (every mark it folds, and every ASCII mark it could have come from); `zh-repair` gets "
        f"{width_errors:,} of them wrong ({width_errors / total_chars:.3%} of the corpus, the gap between the "
        "first two CER columns). What a rule on the context around each mark can do (contexts are the "
        "mark and the classes of its neighbours: Han, Latin, digit, space, ASCII mark, edge):",
        "",
        table(["context", "fitted on the answers (floor)", "learned on half, tested on the other half",
               "knowing each document's own habit"],
              [[label, *(f"{n:,} ({n / total_chars:.3%})" for n in (f.fitted, f.held_out, f.with_habit))]
               for label, f in (("one neighbour each side", near), ("two neighbours each side", wide))]),
        "",
        "Even fitted on the answers, a context rule leaves more width errors than the whole 0.2% target; "
        "learned from other documents, as a shipped rule would be, it does worse than `zh-repair`'s "
        "hand-written rules. Wider context barely helps, because the originals mix widths where the "
        "context is the same, document by document: eight articles are typeset with ASCII `,` `(` "
        "throughout (six of them from one site, with a full-width `：` in their footer), and lottery and "
        "sports articles write `02,04` and `3:1` either way. Each document is consistent with itself (the "
        "last column), but that habit is exactly what NFKC erased: after it every document reads ASCII. "
        "The width-blind column is the part of the error that repair can still remove.",
        "",
        "Per-document script decision of `simplify_script` (mode `auto`) on the same articles written "
        "four ways (genuine Traditional text is approximated by OpenCC's regional conversions):",
        "",
        table(["Traditional text made by", "right decision", f"right, of {len(clean)}"], detection),
        "",
        f"Undamaged originals through `zh-repair`: {changed} of {len(clean)} documents changed, "
        f"CER {cer(list(zip(untouched, clean, strict=True))):.4%}.",
        "",
    ]
    (RESULTS / "repair.md").write_text("\n".join(report), "utf-8")
    print("\n".join(report))


if __name__ == "__main__":
    main()
