"""A causal language model from a Hugging Face folder, generating token by token (for streaming)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from suanli.serving.worker.requests import Generation


@dataclass
class Piece:
    """Text produced by one step; ``finish`` is set on the last piece (``stop`` or ``length``)."""

    text: str
    finish: str | None = None
    tokens: int = 0
    """Tokens generated since the previous piece."""


class LanguageModel:
    """``transformers`` model and tokenizer; one generation at a time (a CPU worker has one core)."""

    def __init__(self, folder: Path, device: str = "auto", threads: int | None = None) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if threads:
            torch.set_num_threads(threads)
        self.torch: Any = torch
        self.device = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
        self.tokenizer: Any = AutoTokenizer.from_pretrained(str(folder))
        loaded: Any = AutoModelForCausalLM.from_pretrained(str(folder))
        self.model: Any = loaded.to(self.device).eval()
        config: Any = self.model.config
        self.context_length: int = int(
            getattr(config, "n_positions", 0) or getattr(config, "max_position_embeddings", 2048)
        )
        self.eos_id = self.tokenizer.eos_token_id
        self.lock = threading.Lock()

    def render(self, request: Generation) -> str:
        """The prompt text: the tokenizer's chat template when it has one, else ``role: content`` lines."""
        if not request.chat:
            return request.prompt
        if getattr(self.tokenizer, "chat_template", None):
            text: str = self.tokenizer.apply_chat_template(request.messages, tokenize=False, add_generation_prompt=True)
            return text
        return "".join(f"{m['role']}: {m['content']}\n" for m in request.messages) + "assistant:"

    def count(self, text: str) -> int:
        """Tokens in ``text``."""
        return len(self.tokenizer.encode(text))

    def embed(self, texts: list[str]) -> tuple[list[list[float]], int]:
        """Unit-length vectors (the mean of the last hidden state over each text's tokens) and the tokens read.

        A text longer than the context keeps its leading tokens. One text at a time: a CPU worker owns one core.
        """
        torch = self.torch
        vectors: list[list[float]] = []
        tokens = 0
        with self.lock, torch.no_grad():
            for text in texts:
                ids = self.tokenizer.encode(text)[: self.context_length] or [self.eos_id or 0]
                tokens += len(ids)
                out = self.model(torch.tensor([ids], device=self.device), output_hidden_states=True)
                mean = out.hidden_states[-1][0].float().mean(dim=0)
                vectors.append((mean / mean.norm().clamp_min(1e-12)).tolist())
        return vectors, tokens

    def generate(self, request: Generation, cancelled: threading.Event | None = None) -> Iterator[Piece]:
        """Sample up to ``max_tokens`` tokens, yielding decoded text as soon as it is whole UTF-8."""
        torch = self.torch
        ids = self.tokenizer.encode(self.render(request))
        budget = max(1, self.context_length - 1)
        max_new = min(request.max_tokens, budget)
        ids = ids[-max(1, budget - max_new + 1) :]
        generator = torch.Generator(device=self.device)
        if request.seed is not None:
            generator.manual_seed(request.seed)
        else:
            generator.seed()
        with self.lock, torch.no_grad():
            out = self.model(torch.tensor([ids], device=self.device), use_cache=True)
            produced: list[int] = []
            emitted = ""
            pending = 0
            for step in range(max_new):
                token = self._sample(out.logits[0, -1], request, generator)
                if token == self.eos_id:
                    yield Piece("", "stop", pending)
                    return
                produced.append(token)
                pending += 1
                text = self.tokenizer.decode(produced)
                if not text.endswith("\ufffd"):
                    new, emitted = text[len(emitted) :], text
                    for stop in request.stop:
                        if stop and stop in emitted:
                            cut = emitted.index(stop)
                            yield Piece(new[: max(0, len(new) - (len(emitted) - cut))], "stop", pending)
                            return
                    if new:
                        yield Piece(new, None, pending)
                        pending = 0
                if step == max_new - 1 or (cancelled is not None and cancelled.is_set()):
                    break
                if len(ids) + len(produced) >= self.context_length:
                    break
                out = self.model(
                    torch.tensor([[token]], device=self.device), past_key_values=out.past_key_values, use_cache=True
                )
            yield Piece("", "length", pending)

    def _sample(self, logits: Any, request: Generation, generator: Any) -> int:
        torch = self.torch
        if request.temperature == 0.0:
            return int(torch.argmax(logits).item())
        probs = torch.softmax(logits.float() / request.temperature, dim=-1)
        if request.top_p < 1.0:
            ordered, index = torch.sort(probs, descending=True)
            keep = torch.cumsum(ordered, dim=-1) - ordered < request.top_p
            ordered = ordered * keep
            return int(index[torch.multinomial(ordered / ordered.sum(), 1, generator=generator)].item())
        return int(torch.multinomial(probs, 1, generator=generator).item())
