"""Recipes: an ordered list of operators with parameters, written in YAML.

```yaml
name: zh-repair
description: undo content-farm damage
field: text            # optional: the text field every step reads (default "text")
steps:
  - op: realign_gbk
  - op: simplify_script
    mode: auto
```

Built-in recipes ship in ``suanli/data/recipes/*.yaml`` and are named without the suffix; anything
else is read as a path. Deduplication steps must come last: they decide with the whole run's history,
so the runner applies them after the per-document steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from suanli.core.errors import InvalidInput
from suanli.data.ops import DEDUPLICATORS, OPERATORS


@dataclass(frozen=True)
class Step:
    """One operator of a recipe and its parameters."""

    op: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def is_dedup(self) -> bool:
        """Whether this step is a deduplicator (decided by the runner, in input order)."""
        return self.op in DEDUPLICATORS


@dataclass(frozen=True)
class Recipe:
    """A named, ordered list of steps."""

    name: str
    steps: tuple[Step, ...]
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The recipe as plain data (it travels to worker processes and into reports)."""
        return {
            "name": self.name,
            "description": self.description,
            "steps": [{"op": s.op, **s.params} for s in self.steps],
        }


def builtin_names() -> list[str]:
    """Names of the recipes that ship with suanli."""
    folder = resources.files("suanli.data") / "recipes"
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def parse(data: Any, default_name: str = "recipe") -> Recipe:
    """Validate plain data (parsed YAML) into a :class:`Recipe`; bad input raises ``InvalidInput``."""
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list) or not data["steps"]:
        raise InvalidInput("a recipe is a mapping with a non-empty list of 'steps'")
    common = {"field": data["field"]} if "field" in data else {}
    steps: list[Step] = []
    seen_dedup = False
    for i, raw in enumerate(data["steps"]):
        if not isinstance(raw, dict) or not isinstance(raw.get("op"), str):
            raise InvalidInput(f"step {i + 1} must be a mapping with an 'op' name", {"step": raw})
        params = {k: v for k, v in raw.items() if k != "op"}
        op = raw["op"]
        if op not in OPERATORS and op not in DEDUPLICATORS:
            known = sorted([*OPERATORS, *DEDUPLICATORS])
            raise InvalidInput(f"step {i + 1}: unknown operator {op!r}", {"known": known})
        step = Step(op, {**common, **params})
        if step.is_dedup:
            seen_dedup = True
        elif seen_dedup:
            raise InvalidInput(f"step {i + 1} ({op}) comes after a deduplication step; dedup must be last")
        try:
            build(step)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"step {i + 1} ({op}): {exc}") from exc
        steps.append(step)
    return Recipe(str(data.get("name", default_name)), tuple(steps), str(data.get("description", "")))


def load(name_or_path: str) -> Recipe:
    """Load a built-in recipe by name, or a recipe file by path."""
    if name_or_path in builtin_names():
        text = (resources.files("suanli.data") / "recipes" / f"{name_or_path}.yaml").read_text("utf-8")
        return parse(yaml.safe_load(text), name_or_path)
    path = Path(name_or_path)
    if not path.is_file():
        raise InvalidInput(
            f"no recipe {name_or_path!r}: not a built-in ({', '.join(builtin_names())}) nor a file"
        )
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidInput(f"recipe {path} is not valid YAML: {exc}") from exc
    return parse(data, path.stem)


def build(step: Step) -> Any:
    """Instantiate the operator of ``step``."""
    cls = OPERATORS.get(step.op) or DEDUPLICATORS[step.op]
    return cls(**step.params)
