"""``suanli quality``: train the document quality classifier that the ``quality_model`` operator uses."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Document quality classifier (hashed character n-grams, logistic regression).",
                  no_args_is_help=True)


def _source(spec: str, field: str) -> tuple[Path, str]:
    """``PATH`` or ``PATH:FIELD`` (the field of that file's text; ``field`` otherwise)."""
    path = Path(spec)
    if not path.is_file() and ":" in spec:
        head, _, tail = spec.rpartition(":")
        if tail:
            return Path(head), tail
    return path, field


def _texts(specs: list[str], field: str) -> list[str]:
    import json

    from suanli.core.errors import InvalidInput
    from suanli.data.runners.inputs import read_lines

    texts: list[str] = []
    for spec in specs:
        path, name = _source(spec, field)
        if not path.is_file():
            raise InvalidInput(f"no such file: {path}")
        for number, (line, _) in enumerate(read_lines(path), start=1):
            try:
                doc = json.loads(line)
            except ValueError as exc:
                raise InvalidInput(f"{path} line {number} is not JSON: {exc}") from exc
            text = doc.get(name) if isinstance(doc, dict) else None
            if not isinstance(text, str):
                raise InvalidInput(f"{path} line {number} has no text field {name!r}")
            texts.append(text)
    return texts


@app.command("train")
def train(
    clean: Annotated[list[str], typer.Option("--clean", help="JSONL of clean documents (PATH or PATH:FIELD); "
                                             "repeatable")],
    dirty: Annotated[list[str], typer.Option("--dirty", help="JSONL of dirty documents (PATH or PATH:FIELD); "
                                             "repeatable")],
    output: Annotated[Path, typer.Option("--output", "-o", help="model file to write (.npz)")],
    field: Annotated[str, typer.Option("--field", help="text field of files given without :FIELD")] = "text",
    holdout: Annotated[float, typer.Option("--holdout", help="share held out to measure (0: none)")] = 0.3,
    seed: Annotated[int, typer.Option("--seed", help="seed of the held-out split")] = 0,
    threshold: Annotated[list[float], typer.Option("--threshold", help="thresholds to report; repeatable")] = [0.5],  # noqa: B006
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Train on labelled documents, report precision and recall on a held-out part, write the model.

    The held-out figures come from a model trained without those documents; the model written is then
    trained on every document.
    """
    import numpy as np

    from suanli.cli.output import print_json, print_table
    from suanli.core.errors import InvalidInput
    from suanli.data.classifier.evaluate import fit, holdout_report
    from suanli.data.classifier.model import save_model

    if not 0.0 <= holdout < 1.0:
        raise InvalidInput(f"--holdout must be at least 0 and below 1, not {holdout}")
    if any(not 0.0 <= t <= 1.0 for t in threshold):
        raise InvalidInput("every --threshold must be between 0 and 1")
    good, bad = _texts(clean, field), _texts(dirty, field)
    if not good or not bad:
        raise InvalidInput("training needs at least one clean and one dirty document")
    texts = good + bad
    labels = np.array([1] * len(good) + [0] * len(bad), dtype=np.int64)
    report: dict[str, object] = {"clean": len(good), "dirty": len(bad)}
    if holdout > 0:
        try:
            report["held_out"] = holdout_report(texts, labels, holdout=holdout, seed=seed,
                                                thresholds=tuple(threshold))
        except ValueError as exc:
            raise InvalidInput(str(exc)) from exc
    model = fit(texts, labels, meta={"clean_files": clean, "dirty_files": dirty})
    output.parent.mkdir(parents=True, exist_ok=True)
    report["model"] = str(output)
    report["model_bytes"] = save_model(model, output)
    if as_json:
        print_json(report)
        return
    rows = []
    held = report.get("held_out")
    if isinstance(held, dict):
        for t, counts in held["thresholds"].items():
            rows.append({"threshold": t, **counts})
    print_table(rows, ("threshold", "precision", "recall", "removed_dirty", "removed_clean", "kept_dirty",
                       "kept_clean"),
                title=f"held-out filter quality ({len(good)} clean, {len(bad)} dirty); model "
                      f"{output} ({report['model_bytes']:,} bytes)")
