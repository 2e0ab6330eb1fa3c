"""The byte-level tokenizer: token id = UTF-8 byte value (0-255), plus ``<|endoftext|>`` = 256.

Why bytes and not a trained BPE: nothing to train or ship, every language (Chinese included) is
covered with no unknown token, and a resumed or re-run job can never see a different vocabulary.
The cost is longer sequences, which a demo-sized model does not mind.

The Hugging Face side is a ``tokenizers`` BPE with GPT-2's byte-to-character alphabet and no
merges, laid out so that its ids equal the byte values: ``AutoTokenizer.from_pretrained`` on the
exported directory encodes exactly as :func:`encode` does.
"""

from __future__ import annotations

from typing import Any

EOS_TOKEN = "<|endoftext|>"
EOS_ID = 256
VOCAB_SIZE = 257


def encode(text: str) -> bytes:
    """Token ids of ``text`` (its UTF-8 bytes)."""
    return text.encode("utf-8")


def decode(ids: list[int]) -> str:
    """Text of token ids; the end-of-text token and invalid UTF-8 are dropped or replaced."""
    return bytes(i for i in ids if 0 <= i < 256).decode("utf-8", errors="replace")


def byte_alphabet() -> dict[int, str]:
    """GPT-2's reversible map from bytes to printable characters (what ByteLevel pre-tokenising emits)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    printable += list(range(ord("®"), ord("ÿ") + 1))
    chars = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in chars:
            chars[b] = chr(256 + extra)
            extra += 1
    return chars


def hf_tokenizer() -> Any:
    """A ``transformers.PreTrainedTokenizerFast`` whose ids equal :func:`encode`'s."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {ch: b for b, ch in byte_alphabet().items()}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([EOS_TOKEN])
    return PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tok,
        bos_token=EOS_TOKEN,
        eos_token=EOS_TOKEN,
        unk_token=EOS_TOKEN,
        pad_token=EOS_TOKEN,
        model_max_length=1 << 30,
        clean_up_tokenization_spaces=False,
    )
