"""What starting one replica means for each engine: a command line, or an existing URL."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from suanli.core.errors import InvalidInput

ENGINE_NAMES = ("transformers", "vllm", "external")


@dataclass(frozen=True, slots=True)
class Launch:
    """A replica to start: ``argv`` with ``env`` serving at ``url`` (``argv`` empty: nothing to start)."""

    url: str
    argv: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    upstream_model: str | None = None
    """The model name the upstream expects, when it differs from the deployment's name."""


def validate_options(engine: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """Check an engine's options at deployment time (422 on mistakes)."""
    if engine not in ENGINE_NAMES:
        raise InvalidInput(f"unknown engine {engine!r}", details={"known": list(ENGINE_NAMES)})
    allowed = {
        "transformers": {"threads", "max_tokens", "device"},
        "vllm": {"args", "max_tokens"},
        "external": {"url", "model", "api_key_env"},
    }[engine]
    unknown = set(options) - allowed
    if unknown:
        raise InvalidInput(f"unknown {engine} engine options {sorted(unknown)}", details={"allowed": sorted(allowed)})
    if engine == "external":
        url = options.get("url")
        parsed = urlparse(url) if isinstance(url, str) else None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise InvalidInput("the external engine needs options.url, an http(s) base URL ending before /chat")
    for key in ("threads", "max_tokens"):
        if key in options and (not isinstance(options[key], int) or not 1 <= options[key] <= 1_000_000):
            raise InvalidInput(f"options.{key} must be a positive integer")
    if "args" in options and (
        not isinstance(options["args"], list) or not all(isinstance(a, str) for a in options["args"])
    ):
        raise InvalidInput("options.args must be a list of strings")
    return dict(options)


def launch_for(
    engine: str,
    options: Mapping[str, Any],
    *,
    model_dir: Path | None,
    port: int,
    served_name: str,
    visible_devices: Mapping[str, str] | None = None,
) -> Launch:
    """How to start (or reach) one replica of a deployment on this host."""
    env = {"OMP_NUM_THREADS": str(options.get("threads", 1)), "PYTHONUNBUFFERED": "1", **(visible_devices or {})}
    if engine == "external":
        url = str(options["url"]).rstrip("/")
        base = url[: -len("/v1")] if url.endswith("/v1") else url
        return Launch(url=base, upstream_model=options.get("model"))
    if model_dir is None:
        raise InvalidInput(f"the {engine} engine needs a model version")
    url = f"http://127.0.0.1:{port}"
    if engine == "transformers":
        argv = (
            sys.executable,
            "-m",
            "suanli.serving.worker",
            "--model",
            str(model_dir),
            "--port",
            str(port),
            "--served-name",
            served_name,
            "--max-tokens",
            str(options.get("max_tokens", 64)),
            "--device",
            str(options.get("device", "auto")),
        )
        return Launch(url=url, argv=argv, env=env)
    # vllm: the same protocol from `vllm serve`; /health exists there too.
    vllm = os.environ.get("SUANLI_VLLM", "vllm")
    argv = (
        vllm,
        "serve",
        str(model_dir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--served-model-name",
        served_name,
        *options.get("args", []),
    )
    return Launch(url=url, argv=argv, env=env)
