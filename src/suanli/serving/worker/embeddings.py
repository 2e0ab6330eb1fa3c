"""``/v1/embeddings`` bodies: parsing OpenAI's request and shaping its answer (no model, no I/O).

OpenAI's ``input`` is a string, a list of strings, a list of token ids or a list of such lists; this
worker embeds text, so token-id input is refused with a 400. ``encoding_format`` is ``float`` (JSON
numbers) or ``base64`` (little-endian float32 bytes, what the official Python client asks for by default).
"""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass
from typing import Any

from suanli.serving.worker.requests import BadRequest

MAX_INPUTS = 256
"""Inputs in one request (OpenAI allows 2,048; a CPU worker embeds them one batch at a time)."""
MAX_INPUT_CHARS = 100_000


@dataclass(frozen=True)
class EmbeddingRequest:
    """Texts to embed and how to encode the vectors."""

    texts: tuple[str, ...]
    encoding: str = "float"
    dimensions: int | None = None


def parse_embeddings(body: Any) -> EmbeddingRequest:
    """Validate a ``/v1/embeddings`` body."""
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    raw = body.get("input")
    if isinstance(raw, str):
        texts: tuple[str, ...] = (raw,)
    elif isinstance(raw, list) and raw and all(isinstance(t, str) for t in raw):
        texts = tuple(raw)
    elif isinstance(raw, list) and raw:
        raise BadRequest("input must be a string or a list of strings (token ids are not supported)", "input")
    else:
        raise BadRequest("input must be a non-empty string or list of strings", "input")
    if len(texts) > MAX_INPUTS:
        raise BadRequest(f"at most {MAX_INPUTS} inputs per request, got {len(texts)}", "input")
    if any(not t for t in texts):
        raise BadRequest("input must not contain empty strings", "input")
    if any(len(t) > MAX_INPUT_CHARS for t in texts):
        raise BadRequest(f"each input must be at most {MAX_INPUT_CHARS} characters", "input")
    encoding = body.get("encoding_format") or "float"
    if encoding not in ("float", "base64"):
        raise BadRequest("encoding_format must be 'float' or 'base64'", "encoding_format")
    dimensions = body.get("dimensions")
    if dimensions is not None and (isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1):
        raise BadRequest("dimensions must be a positive integer", "dimensions")
    return EmbeddingRequest(texts, encoding, dimensions)


def shorten(vector: list[float], dimensions: int | None) -> list[float]:
    """The leading ``dimensions`` components, renormalised to unit length (as OpenAI's v3 models do)."""
    if dimensions is None or dimensions >= len(vector):
        return vector
    head = vector[:dimensions]
    norm = sum(x * x for x in head) ** 0.5
    return [x / norm for x in head] if norm else head


def encode_vector(vector: list[float], encoding: str) -> list[float] | str:
    """A vector as JSON numbers or as base64 of little-endian float32."""
    if encoding == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
    return vector


def embeddings_body(vectors: list[list[float]], request: EmbeddingRequest, model: str, tokens: int) -> dict[str, Any]:
    """OpenAI's answer: ``{"object": "list", "data": [...], "model", "usage"}``."""
    return {
        "object": "list",
        "data": [
            {
                "object": "embedding",
                "index": i,
                "embedding": encode_vector(shorten(v, request.dimensions), request.encoding),
            }
            for i, v in enumerate(vectors)
        ],
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
