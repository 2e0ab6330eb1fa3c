"""The command-line entry: parse, train, and turn expected failures into one clear line and exit 2."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from suanli.training.tinygpt.config import ConfigError, parse_config


def main(argv: Sequence[str] | None = None) -> int:
    """Run the trainer; returns the process exit status (0 done, 2 bad input or unusable checkpoint)."""
    try:
        cfg = parse_config(argv)
        # Imported here so that `--help` and configuration errors answer without loading torch.
        from transformers.utils import logging as hf_logging

        from suanli.training.tinygpt.data import DataError
        from suanli.training.tinygpt.loop import ResumeError, train

        # stdout carries the JSON-lines log and stderr the job's errors: no progress bars or notices.
        hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

        try:
            train(cfg)
        except (DataError, ResumeError) as exc:
            raise ConfigError(str(exc)) from exc
    except ConfigError as exc:
        sys.stdout.write(json.dumps({"event": "error", "message": str(exc)}) + "\n")
        print(f"tinygpt: error: {exc}", file=sys.stderr)
        return 2
    return 0
