"""A mock OpenAI-compatible upstream for gateway tests: fixed tokens, optional usage, served in a thread."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


def mock_app(tokens: int = 5, latency_s: float = 0.0, usage: bool = True) -> Starlette:
    """Answers every completion with ``tokens`` tokens ``"tok"``; records the bodies it got."""
    seen: list[dict[str, Any]] = []

    async def complete(request: Request) -> Response:
        body = json.loads(await request.body())
        seen.append(body)
        if latency_s:
            await asyncio.sleep(latency_s)
        chat = request.url.path.endswith("/chat/completions")
        counts = {"prompt_tokens": 7, "completion_tokens": tokens, "total_tokens": 7 + tokens}
        if not body.get("stream"):
            choice = {
                "index": 0,
                "finish_reason": "length",
                **({"message": {"role": "assistant", "content": "tok" * tokens}} if chat else {"text": "tok" * tokens}),
            }
            out = {
                "id": "x",
                "object": "chat.completion" if chat else "text_completion",
                "created": 1,
                "model": body["model"],
                "choices": [choice],
            }
            return JSONResponse({**out, "usage": counts} if usage else out)

        async def events() -> Any:
            for i in range(tokens):
                delta = {"delta": {"content": "tok"}} if chat else {"text": "tok"}
                chunk = {
                    "id": "x",
                    "object": "chat.completion.chunk",
                    "created": 1,
                    "model": body["model"],
                    "choices": [{"index": 0, **delta, "finish_reason": "length" if i == tokens - 1 else None}],
                }
                yield f"data: {json.dumps(chunk)}\n\n"
            if usage and (body.get("stream_options") or {}).get("include_usage"):
                last = {
                    "id": "x",
                    "object": "chat.completion.chunk",
                    "created": 1,
                    "model": body["model"],
                    "choices": [],
                    "usage": counts,
                }
                yield f"data: {json.dumps(last)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    async def embed(request: Request) -> Response:
        body = json.loads(await request.body())
        seen.append(body)
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        out: dict[str, Any] = {
            "object": "list",
            "data": [{"object": "embedding", "index": i, "embedding": [1.0, 0.0]} for i in range(len(inputs))],
            "model": body["model"],
        }
        if usage:
            out["usage"] = {"prompt_tokens": 7, "total_tokens": 7}
        return JSONResponse(out)

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok", "in_flight": 0})

    app = Starlette(
        routes=[
            Route("/v1/chat/completions", complete, methods=["POST"]),
            Route("/v1/completions", complete, methods=["POST"]),
            Route("/v1/embeddings", embed, methods=["POST"]),
            Route("/health", health),
        ]
    )
    app.state.seen = seen
    return app


class Upstream:
    """``mock_app`` on a loopback port in a thread."""

    def __init__(self, port: int, **options: Any) -> None:
        self.app = mock_app(**options)
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def seen(self) -> list[dict[str, Any]]:
        return self.app.state.seen  # type: ignore[no-any-return]

    def __enter__(self) -> Upstream:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(5)
