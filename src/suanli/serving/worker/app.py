"""The worker's ASGI app: OpenAI's completion and embedding routes over one :class:`LanguageModel`."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Protocol, TypeVar

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from suanli.serving.worker.embeddings import embeddings_body, parse_embeddings
from suanli.serving.worker.model import Piece
from suanli.serving.worker.requests import BadRequest, Generation, error_body, parse


class Generator(Protocol):
    """What the app needs of a model (the test seam: a fake model satisfies it)."""

    def render(self, request: Generation) -> str: ...

    def count(self, text: str) -> int: ...

    def generate(self, request: Generation, cancelled: threading.Event | None = None) -> Iterator[Piece]: ...

    def embed(self, texts: list[str]) -> tuple[list[list[float]], int]: ...


T = TypeVar("T")


def _sse(document: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(document, separators=(",", ":")).encode() + b"\n\n"


def create_worker_app(model: Generator, served_name: str, default_max_tokens: int = 64) -> Starlette:
    """The worker's routes for ``model`` published as ``served_name``."""
    in_flight = 0
    created = int(time.time())

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok", "in_flight": in_flight, "model": served_name})

    async def models(_: Request) -> Response:
        return JSONResponse(
            {
                "object": "list",
                "data": [{"id": served_name, "object": "model", "created": created, "owned_by": "suanli"}],
            }
        )

    async def read(request: Request, parse_body: Callable[[Any], T]) -> T | Response:
        """The parsed request, or the OpenAI-shaped error that answers it."""
        try:
            body = json.loads(await request.body())
            parsed = parse_body(body)
        except ValueError:
            return JSONResponse(error_body("the request body is not valid JSON"), status_code=400)
        except BadRequest as exc:
            return JSONResponse(error_body(exc.message, param=exc.param), status_code=exc.status)
        if body.get("model") not in (None, served_name):
            return JSONResponse(
                error_body(f"the model {body.get('model')!r} does not exist", code="model_not_found"), status_code=404
            )
        return parsed

    def usage(prompt: int, completion: int) -> dict[str, int]:
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    async def complete(request: Request, chat: bool) -> Response:
        nonlocal in_flight
        gen = await read(request, lambda body: parse(body, chat, default_max_tokens))
        if isinstance(gen, Response):
            return gen
        rid = ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex[:24]
        kind = "chat.completion" if chat else "text_completion"
        now = int(time.time())
        prompt_tokens = model.count(model.render(gen))
        in_flight += 1
        if not gen.stream:
            try:
                pieces = await anyio.to_thread.run_sync(lambda: list(model.generate(gen)))
            finally:
                in_flight -= 1
            text = "".join(p.text for p in pieces)
            finish = next((p.finish for p in pieces if p.finish), "length")
            completion = sum(p.tokens for p in pieces)
            choice: dict[str, Any] = (
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": finish,
                    "logprobs": None,
                }
                if chat
                else {"index": 0, "text": text, "finish_reason": finish, "logprobs": None}
            )
            return JSONResponse(
                {
                    "id": rid,
                    "object": kind,
                    "created": now,
                    "model": served_name,
                    "choices": [choice],
                    "usage": usage(prompt_tokens, completion),
                }
            )
        return StreamingResponse(
            stream(gen, rid, now, chat, prompt_tokens),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache"},
        )

    async def stream(gen: Generation, rid: str, now: int, chat: bool, prompt_tokens: int) -> AsyncIterator[bytes]:
        nonlocal in_flight
        kind = "chat.completion.chunk" if chat else "text_completion"
        send, receive = anyio.create_memory_object_stream[Piece | None](max_buffer_size=256)
        cancelled = threading.Event()

        def produce() -> None:
            try:
                for piece in model.generate(gen, cancelled):
                    anyio.from_thread.run(send.send, piece)
            finally:
                anyio.from_thread.run(send.send, None)

        def chunk(delta: dict[str, Any] | None, text: str, finish: str | None) -> bytes:
            choice: dict[str, Any] = (
                {"index": 0, "delta": delta or {}, "finish_reason": finish, "logprobs": None}
                if chat
                else {"index": 0, "text": text, "finish_reason": finish, "logprobs": None}
            )
            return _sse({"id": rid, "object": kind, "created": now, "model": served_name, "choices": [choice]})

        completion = 0
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(anyio.to_thread.run_sync, produce)
                if chat:
                    yield chunk({"role": "assistant", "content": ""}, "", None)
                async with receive:
                    async for piece in receive:
                        if piece is None:
                            break
                        completion += piece.tokens
                        if piece.text or piece.finish:
                            yield chunk({"content": piece.text} if piece.text else {}, piece.text, piece.finish)
            if gen.include_usage:
                yield _sse(
                    {
                        "id": rid,
                        "object": kind,
                        "created": now,
                        "model": served_name,
                        "choices": [],
                        "usage": usage(prompt_tokens, completion),
                    }
                )
            yield b"data: [DONE]\n\n"
        finally:
            cancelled.set()  # the client went away: stop generating
            in_flight -= 1

    async def embeddings(request: Request) -> Response:
        nonlocal in_flight
        wanted = await read(request, parse_embeddings)
        if isinstance(wanted, Response):
            return wanted
        in_flight += 1
        try:
            vectors, tokens = await anyio.to_thread.run_sync(model.embed, list(wanted.texts))
        finally:
            in_flight -= 1
        return JSONResponse(embeddings_body(vectors, wanted, served_name, tokens))

    async def chat_completions(request: Request) -> Response:
        return await complete(request, chat=True)

    async def completions(request: Request) -> Response:
        return await complete(request, chat=False)

    return Starlette(
        routes=[
            Route("/health", health),
            Route("/v1/models", models),
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/v1/completions", completions, methods=["POST"]),
            Route("/v1/embeddings", embeddings, methods=["POST"]),
        ]
    )
