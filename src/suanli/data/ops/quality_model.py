"""A filter that keeps documents a trained quality model scores at or above a threshold.

The model is suanli's own (:mod:`suanli.data.classifier`, trained with ``suanli quality train``); the
recipe names its file. Reading the file when the recipe is built is the only I/O, as the other
operators read their dictionaries; scoring a document is pure.

```yaml
  - op: quality_model
    model: models/zh-quality.npz
    threshold: 0.5          # minimum probability of "clean"
    score_field: quality    # optional: keep the score in the document
```
"""

from __future__ import annotations

from pathlib import Path

from suanli.data.classifier.model import QualityModel, load_model
from suanli.data.ops.operator import Doc, Result, drop, keep


class QualityModelFilter:
    """Drop documents whose probability of being clean is below ``threshold``."""

    name = "quality_model"

    def __init__(self, model: str, threshold: float = 0.5, field: str = "text",
                 score_field: str | None = None) -> None:
        if not isinstance(model, str) or not model:
            raise ValueError("model must be the path of a file written by 'suanli quality train'")
        if not isinstance(threshold, int | float) or not 0.0 <= float(threshold) <= 1.0:
            raise ValueError(f"threshold must be a probability between 0 and 1, not {threshold!r}")
        self.field = field
        self.threshold = float(threshold)
        self.score_field = score_field
        self.model: QualityModel = load_model(Path(model))

    def __call__(self, doc: Doc) -> Result:
        text = doc.get(self.field)
        if not isinstance(text, str):
            return drop(f"no_text_field:{self.field}")
        score = self.model.score(text)
        if score < self.threshold:
            return drop("quality_model:low_score")
        if self.score_field is None:
            return keep(doc)
        out = dict(doc)
        out[self.score_field] = round(score, 4)
        return keep(out)
