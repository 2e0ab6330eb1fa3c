"""suanli next to HuggingFace datatrove on the same input, in the same run.

    .venv/bin/python benchmarks/data/datatrove_compare.py [--repeat 3]

datatrove runs in its own virtual environment (``benchmarks/data/.venv``, pins in the README),
never in the project's: this script calls that interpreter with ``--datatrove MODE ...`` and imports
nothing of suanli there.

Two comparisons, one core each (datatrove ``LocalPipelineExecutor(tasks=1, workers=1)``, suanli
``workers=1``):

- *filter*: datatrove's Gopher repetition + Gopher quality + C4 filters and PII formatter (adapted to
  Chinese: jieba words, Chinese stop words, no minimum word length) against suanli's whole ``zh-web``
  recipe, which also repairs, identifies language, filters spam, and deduplicates.
- *near-dedup*: datatrove's four MinHash stages (signatures over 5-word jieba shingles, 14 buckets x 8
  hashes, clustering, filtering) against suanli's ``zh-dedup`` (character 5-grams, 32 bands x 4),
  on the labelled set of ``neardup_pr.py``; quality is precision and recall on it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATATROVE_PY = HERE / ".venv" / "bin" / "python"


# ---- the datatrove side (runs in benchmarks/data/.venv) -------------------------------------------

def run_datatrove(mode: str, source: Path, work: Path) -> None:
    """Run one datatrove pipeline on ``source`` and print seconds and surviving ids as JSON."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    reader = JsonlReader(str(source.parent), glob_pattern=source.name, text_key="text", id_key="id")
    out = work / "out"
    started = time.perf_counter()
    if mode == "filter":
        from datatrove.pipeline.filters import C4QualityFilter, GopherQualityFilter, GopherRepetitionFilter
        from datatrove.pipeline.formatters import PIIFormatter

        steps = [
            reader,
            GopherRepetitionFilter(language="cmn_Hani"),
            GopherQualityFilter(language="cmn_Hani", min_avg_word_length=1, max_avg_word_length=10,
                                stop_words=["的", "了", "是", "在", "和", "有", "我", "不"],
                                max_non_alpha_words_ratio=None),
            C4QualityFilter(language="cmn_Hani", filter_no_terminal_punct=False, min_num_sentences=-1,
                            min_words_per_line=-1),
            PIIFormatter(),
            JsonlWriter(str(out)),
        ]
        LocalPipelineExecutor(pipeline=steps, tasks=1, workers=1, logging_dir=str(work / "logs")).run()
    else:
        from datatrove.pipeline.dedup import (
            MinhashDedupBuckets,
            MinhashDedupCluster,
            MinhashDedupFilter,
            MinhashDedupSignature,
        )
        from datatrove.pipeline.dedup.minhash import MinhashConfig

        config = MinhashConfig()
        stages = [
            [reader, MinhashDedupSignature(output_folder=str(work / "sigs"), config=config, language="cmn_Hani")],
            [MinhashDedupBuckets(input_folder=str(work / "sigs"), output_folder=str(work / "buckets"),
                                 config=config)],
            [MinhashDedupCluster(input_folder=str(work / "buckets"), output_folder=str(work / "remove"),
                                 config=config)],
            [reader, MinhashDedupFilter(input_folder=str(work / "remove")), JsonlWriter(str(out))],
        ]
        tasks = [1, config.num_buckets, 1, 1]
        for i, (steps, n) in enumerate(zip(stages, tasks, strict=True)):
            LocalPipelineExecutor(pipeline=steps, tasks=n, workers=1,
                                  logging_dir=str(work / f"logs{i}")).run()
    seconds = time.perf_counter() - started
    kept = []
    import gzip

    for path in sorted(out.glob("*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as fh:
            kept += [json.loads(line)["id"] for line in fh]
    print(json.dumps({"seconds": seconds, "kept": kept}))


# ---- the driver (runs in the project's environment) -----------------------------------------------

def _suanli(recipe: str, source: Path, work: Path) -> dict[str, object]:
    from suanli.data.recipe import load
    from suanli.data.runners import local
    from suanli.data.runners.inputs import read_lines

    out = work / f"{recipe}.jsonl"
    local.run(load(recipe), source, work / "warm.jsonl", workers=1, shard_docs=50,
              work_dir=work / "warm.parts")
    started = time.perf_counter()
    local.run(load(recipe), source, out, workers=1, shard_docs=500)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "kept": [json.loads(line)["id"] for line, _ in read_lines(out)]}


def _datatrove(mode: str, source: Path, work: Path) -> dict[str, object]:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    got = subprocess.run([str(DATATROVE_PY), __file__, "--datatrove", mode, str(source), str(work)],
                         check=True, capture_output=True, text=True)
    result: dict[str, object] = json.loads(got.stdout.strip().splitlines()[-1])
    return result


def _labelled_set(folder: Path) -> tuple[Path, dict[str, int], set[str]]:
    import random

    sys.path.insert(0, str(HERE))
    from common import CORPORA, read_jsonl
    from neardup_pr import COPIES

    rng = random.Random(20240305)
    originals = [str(d["text"]) for d in read_jsonl(CORPORA / "zh_news.jsonl")]
    family: dict[str, int] = {}
    rows = []
    for i, text in enumerate(originals):
        family[f"o{i}"] = i
        rows.append({"id": f"o{i}", "text": text})
    copies = [(i, make(t, rng)) for i, t in enumerate(originals) for make in COPIES.values()]
    rng.shuffle(copies)
    for n, (i, text) in enumerate(copies):
        family[f"c{n}"] = i
        rows.append({"id": f"c{n}", "text": text})
    path = folder / "labelled.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path, family, {r["id"] for r in rows if r["id"].startswith("c")}


def _pr(kept: list[str], family: dict[str, int], copies: set[str]) -> tuple[float, float]:
    removed = set(family) - set(kept)
    true_removed = len(removed & copies)
    precision = true_removed / len(removed) if removed else 1.0
    # Every family must keep exactly one document: a copy kept alongside its original is a miss.
    return precision, true_removed / len(copies)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--datatrove", nargs=3, metavar=("MODE", "INPUT", "WORK"))
    args = parser.parse_args()
    if args.datatrove:
        run_datatrove(args.datatrove[0], Path(args.datatrove[1]), Path(args.datatrove[2]))
        return
    sys.path.insert(0, str(HERE))
    from common import RESULTS, machine, table
    from throughput import build_input

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "web-in").mkdir()
        web = build_input(folder / "web-in", 1)
        labelled, family, copies = _labelled_set(folder)
        for label, ours, theirs, source in (("filter (zh-web vs Gopher+C4+PII)", "zh-web", "filter", web),
                                            ("near-dedup (zh-dedup vs MinHash)", "zh-dedup", "dedup",
                                             labelled)):
            size = source.stat().st_size / 1e6
            # Interleaved, so that both sides see the same load from the machine's other tenants.
            s_runs, d_runs = [], []
            for _ in range(args.repeat):
                s_runs.append(_suanli(ours, source, folder / "s"))
                d_runs.append(_datatrove(theirs, source, folder / "d"))
            s_sec = statistics.median(float(r["seconds"]) for r in s_runs)  # type: ignore[arg-type]
            d_sec = statistics.median(float(r["seconds"]) for r in d_runs)  # type: ignore[arg-type]
            s_kept = list(s_runs[0]["kept"])  # type: ignore[call-overload]
            d_kept = list(d_runs[0]["kept"])  # type: ignore[call-overload]
            quality = ""
            if ours == "zh-dedup":
                sp, sr = _pr(s_kept, family, copies)
                dp, dr = _pr(d_kept, family, copies)
                quality = f"suanli P {sp:.4f} R {sr:.4f}; datatrove P {dp:.4f} R {dr:.4f}"
            rows.append([label, f"{size:.1f}", f"{s_sec:.2f}", f"{size / s_sec:.2f}", f"{d_sec:.2f}",
                         f"{size / d_sec:.2f}", f"{d_sec / s_sec:.2f}x", len(s_kept), len(d_kept), quality])
            print(rows[-1], flush=True)
    report = [
        "# suanli next to datatrove (one core each, median of interleaved runs)",
        "",
        f"Machine: {machine()}. Command: `.venv/bin/python benchmarks/data/datatrove_compare.py "
        f"--repeat {args.repeat}`. datatrove 0.10.1 in `benchmarks/data/.venv` (spaCy + jieba for "
        "Chinese words). See the module docstring for the exact steps on each side.",
        "",
        table(["comparison", "input MB", "suanli s", "suanli MB/s", "datatrove s", "datatrove MB/s",
               "speed ratio (suanli/datatrove)", "suanli docs kept", "datatrove docs kept", "quality"], rows),
        "",
    ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "datatrove.md").write_text("\n".join(report), "utf-8")
    print("\n".join(report))


if __name__ == "__main__":
    main()
