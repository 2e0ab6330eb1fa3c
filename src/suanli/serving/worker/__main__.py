"""``python -m suanli.serving.worker --model DIR --port P [--served-name NAME]``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def main(argv: Sequence[str] | None = None) -> int:
    """Load the model and serve it until SIGTERM (uvicorn finishes the requests in flight first)."""
    parser = argparse.ArgumentParser(prog="python -m suanli.serving.worker", description=__doc__)
    parser.add_argument("--model", required=True, type=Path, help="a Hugging Face model folder")
    parser.add_argument("--port", required=True, type=int)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--served-name", default=None, help="the model name clients send (default: the folder's)")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS") or 1))
    parser.add_argument("--max-tokens", type=int, default=64, help="default max_tokens when a request names none")
    args = parser.parse_args(argv)
    if not (args.model / "config.json").is_file():
        print(f"error: {args.model} is not a Hugging Face model folder (no config.json)", file=sys.stderr)
        return 2
    import uvicorn

    from suanli.serving.worker.app import create_worker_app
    from suanli.serving.worker.model import LanguageModel

    model = LanguageModel(args.model, device=args.device, threads=args.threads)
    app = create_worker_app(model, args.served_name or args.model.name, args.max_tokens)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=30,
        lifespan="off",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
