"""Parsing OpenAI request bodies into one plain generation request; OpenAI-shaped errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class BadRequest(Exception):
    """A request the worker refuses with 400 and OpenAI's error shape."""

    def __init__(self, message: str, param: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.status = status


def error_body(
    message: str, kind: str = "invalid_request_error", param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """OpenAI's error shape: ``{"error": {"message", "type", "param", "code"}}``."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


@dataclass(frozen=True)
class Generation:
    """What to generate: a chat (``messages``) or a plain ``prompt``, and the sampling settings."""

    chat: bool
    prompt: str
    messages: list[dict[str, str]] = field(default_factory=list)
    max_tokens: int = 16
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int | None = None
    stop: tuple[str, ...] = ()
    stream: bool = False
    include_usage: bool = False


def _number(body: dict[str, Any], name: str, default: float, low: float, high: float) -> float:
    value = body.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise BadRequest(f"{name} must be a number between {low} and {high}", name)
    return float(value)


def _content(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # content parts: keep the text ones
        return "".join(str(p.get("text", "")) for p in value if isinstance(p, dict) and p.get("type") == "text")
    if value is None:
        return ""
    raise BadRequest("message content must be a string or a list of content parts", "messages")


def parse(body: Any, chat: bool, default_max_tokens: int) -> Generation:
    """Validate a ``/v1/chat/completions`` or ``/v1/completions`` body."""
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    if body.get("n", 1) not in (1, None):
        raise BadRequest("only n=1 is supported", "n")
    messages: list[dict[str, str]] = []
    prompt = ""
    if chat:
        raw = body.get("messages")
        if not isinstance(raw, list) or not raw:
            raise BadRequest("messages must be a non-empty list", "messages")
        for m in raw:
            if not isinstance(m, dict) or not isinstance(m.get("role"), str):
                raise BadRequest("each message needs a role", "messages")
            messages.append({"role": m["role"], "content": _content(m.get("content"))})
    else:
        raw_prompt = body.get("prompt")
        if isinstance(raw_prompt, list) and len(raw_prompt) == 1 and isinstance(raw_prompt[0], str):
            raw_prompt = raw_prompt[0]
        if not isinstance(raw_prompt, str):
            raise BadRequest("prompt must be a string", "prompt")
        prompt = raw_prompt
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    max_tokens = default_max_tokens if limit is None else int(_number({"m": limit}, "m", 0, 1, 1_000_000))
    stop = body.get("stop")
    stops: tuple[str, ...] = (stop,) if isinstance(stop, str) else tuple(s for s in stop or () if isinstance(s, str))
    options = body.get("stream_options") or {}
    seed = body.get("seed")
    return Generation(
        chat=chat,
        prompt=prompt,
        messages=messages,
        max_tokens=max_tokens,
        temperature=_number(body, "temperature", 1.0, 0.0, 2.0),
        top_p=_number(body, "top_p", 1.0, 0.0, 1.0),
        seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
        stop=stops[:4],
        stream=bool(body.get("stream", False)),
        include_usage=bool(options.get("include_usage", False)) if isinstance(options, dict) else False,
    )
