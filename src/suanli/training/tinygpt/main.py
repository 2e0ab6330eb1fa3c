"""The command-line entry: parse, train, and turn expected failures into one clear line and exit 2."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Sequence

from suanli.training.tinygpt.config import ConfigError, parse_config

STOPPED_EXIT = 128 + int(signal.SIGTERM)  # what a shell reports for a process ended by SIGTERM


def main(argv: Sequence[str] | None = None) -> int:
    """Run the trainer; returns the process exit status.

    0: done. 2: bad input or an unusable checkpoint. 143: SIGTERM (preemption, cancel) arrived, and
    the run checkpointed after the step in progress and stopped.
    """
    try:
        cfg = parse_config(argv)
        # Imported here so that `--help` and configuration errors answer without loading torch.
        try:
            from transformers.utils import logging as hf_logging

            from suanli.training.tinygpt.data import DataError
            from suanli.training.tinygpt.loop import ResumeError, Stopped, train
        except ImportError as exc:
            raise ConfigError(f"{exc}: install the trainer's dependencies with pip install 'suanli[train]'") from exc

        # stdout carries the JSON-lines log and stderr the job's errors: no progress bars or notices.
        hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

        terminated: list[int] = []
        signal.signal(signal.SIGTERM, lambda signum, frame: terminated.append(signum))
        try:
            train(cfg, should_stop=lambda: bool(terminated))
        except Stopped:
            return STOPPED_EXIT
        except (DataError, ResumeError) as exc:
            raise ConfigError(str(exc)) from exc
    except ConfigError as exc:
        sys.stdout.write(json.dumps({"event": "error", "message": str(exc)}) + "\n")
        print(f"tinygpt: error: {exc}", file=sys.stderr)
        return 2
    return 0
