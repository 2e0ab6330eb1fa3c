"""Repair quality: damage clean news with the generator, repair with ``zh-repair``, measure CER.

    .venv/bin/python benchmarks/data/repair_cer.py [--limit N]

Writes ``results/repair.md`` and ``results/sample_repaired.txt`` (the real damaged article, repaired).
CER = edit distance to the clean text / clean length, summed over the corpus (micro average).
"""

from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CORPORA, RESULTS, levenshtein, machine, read_jsonl, table

from suanli.data.damage import annotate_pinyin, damage, drop_gbk_byte, to_traditional_by_table
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
    }
    rows = []
    for label, fn in variants.items():
        damaged = [fn(t) for t in clean]
        started = time.perf_counter()
        repaired, _ = curate_documents(recipe, ({"id": i, "text": t} for i, t in enumerate(damaged)))
        seconds = time.perf_counter() - started
        fixed = [str(d["text"]) for d in repaired]
        exact = sum(1 for a, b in zip(fixed, clean, strict=True) if a == b)
        rows.append([
            label, f"{cer(list(zip(damaged, clean, strict=True))):.2%}",
            f"{cer(list(zip(fixed, clean, strict=True))):.3%}",
            f"{cer(list(zip(fixed, clean, strict=True)), width_blind=True):.3%}", f"{exact}/{len(clean)}",
            f"{sum(len(t.encode()) for t in damaged) / 1e6 / seconds:.2f}",
        ])
        print(rows[-1], flush=True)
    originals, _ = curate_documents(recipe, ({"id": i, "text": t} for i, t in enumerate(clean)))
    untouched = [str(d["text"]) for d in originals]
    changed = sum(1 for a, b in zip(untouched, clean, strict=True) if a != b)
    sample = (CORPORA / "damaged_news_sample.txt").read_text("utf-8")
    (fixed_sample,), _ = curate_documents(recipe, [{"text": sample}])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sample_repaired.txt").write_text(str(fixed_sample["text"]), "utf-8")
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
        f"Undamaged originals through `zh-repair`: {changed} of {len(clean)} documents changed, "
        f"CER {cer(list(zip(untouched, clean, strict=True))):.3%} (ASCII punctuation that the authors typed "
        "in Chinese context is turned full-width: the recipe's explicit choice).",
        "",
    ]
    (RESULTS / "repair.md").write_text("\n".join(report), "utf-8")
    print("\n".join(report))


if __name__ == "__main__":
    main()
