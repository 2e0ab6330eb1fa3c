"""Units of the trainer: configuration from flags and environment, data order, checkpoints, tokenizer."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import torch
import zstandard

from suanli.training.tinygpt import ConfigError, checkpoint, parse_config
from suanli.training.tinygpt.data import Batches, DataError, load_corpus
from suanli.training.tinygpt.tokenizer import EOS_ID, decode, encode, hf_tokenizer

BASE = ["--data", "d.jsonl", "--out", "o"]


def test_environment_supplies_checkpoint_dir_restart_count_and_threads() -> None:
    cfg = parse_config(BASE, env={"SUANLI_CHECKPOINT_DIR": "/ck", "SUANLI_RESTART_COUNT": "3",
                                  "OMP_NUM_THREADS": "4", "SUANLI_DATASET_VERSION": "v9"})
    got = (str(cfg.checkpoint_dir), cfg.restart_count, cfg.threads, cfg.dataset_version)
    assert got == ("/ck", 3, 4, "v9")
    # Flags win over the environment; with neither, one thread and no checkpoints.
    cfg = parse_config([*BASE, "--checkpoint-dir", "/x", "--threads", "2"],
                       env={"SUANLI_CHECKPOINT_DIR": "/ck", "OMP_NUM_THREADS": "4"})
    assert (str(cfg.checkpoint_dir), cfg.threads) == ("/x", 2)
    cfg = parse_config(BASE, env={})
    assert (cfg.checkpoint_dir, cfg.threads, cfg.restart_count) == (None, 1, 0)
    assert (cfg.layers, cfg.width, cfg.n_heads) == (4, 256, 4)


@pytest.mark.parametrize(("argv", "env", "message"), [
    (["--width", "100", "--heads", "3"], {}, "not divisible"),
    (["--device", "tpu"], {}, "--device"),
    (["--lr", "0"], {}, "--lr"),
    (["--checkpoint-every", "0"], {}, "--checkpoint-every"),
    ([], {"SUANLI_RESTART_COUNT": "two"}, "SUANLI_RESTART_COUNT"),
    ([], {"OMP_NUM_THREADS": "many"}, "OMP_NUM_THREADS"),
    ([], {"SUANLI_TINYGPT_FAULT_AT_STEP": "3:HUP"}, "N:TERM"),
])
def test_bad_settings_are_refused(argv: list[str], env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config([*BASE, *argv], env=env)


def test_corpus_reads_plain_gzip_zstd_and_folders_and_skips_records_without_text(tmp_path: Path) -> None:
    lines = [{"text": "héllo"}, {"text": ""}, {"other": 1}, {"text": "世界"}, [1, 2]]
    body = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n"
    (tmp_path / "a.jsonl").write_text(body)
    c = load_corpus(tmp_path / "a.jsonl")
    assert (c.documents, c.skipped) == (2, 3)
    assert c.tokens.tolist() == [*encode("héllo"), EOS_ID, *encode("世界"), EOS_ID]
    with gzip.open(tmp_path / "b.jsonl.gz", "wt") as f:
        f.write(body)
    assert load_corpus(tmp_path / "b.jsonl.gz").tokens.tolist() == c.tokens.tolist()
    (tmp_path / "c.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(body.encode()))
    assert load_corpus(tmp_path / "c.jsonl.zst").tokens.tolist() == c.tokens.tolist()
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist([x for x in lines if isinstance(x, dict)]), tmp_path / "d.parquet")
    assert load_corpus(tmp_path / "d.parquet").tokens.tolist() == c.tokens.tolist()
    every = load_corpus(tmp_path)
    assert every.documents == 8 and len(every.files) == 4
    (tmp_path / "e.parquet").write_text("not parquet")
    with pytest.raises(DataError, match="not a Parquet file"):
        load_corpus(tmp_path / "e.parquet")
    with pytest.raises(DataError, match="no record"):
        load_corpus(tmp_path / "a.jsonl", text_field="missing")
    with pytest.raises(DataError, match="does not exist"):
        load_corpus(tmp_path / "nope.jsonl")


def test_corpus_hash_changes_with_content(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"text": "one"}\n')
    first = load_corpus(tmp_path / "a.jsonl").sha256
    (tmp_path / "a.jsonl").write_text('{"text": "two"}\n')
    assert load_corpus(tmp_path / "a.jsonl").sha256 != first


def test_batches_are_seeded_cover_each_window_once_per_epoch_and_resume_from_position() -> None:
    tokens = torch.arange(41)
    b = Batches(tokens, context=4, seed=1)
    assert b.windows == 10
    epoch0 = b.next(10)
    starts = sorted(int(row[0]) for row in epoch0)
    assert starts == list(range(0, 40, 4))
    assert all(torch.equal(row, torch.arange(int(row[0]), int(row[0]) + 5)) for row in epoch0)
    assert b.position == {"epoch": 1, "cursor": 0}
    later = [b.next(3) for _ in range(4)]  # crosses into epoch 2
    again = Batches(tokens, context=4, seed=1)
    again.seek(1, 0)
    assert all(torch.equal(x, again.next(3)) for x in later)
    other_seed = Batches(tokens, context=4, seed=2).next(10)
    assert not torch.equal(other_seed, epoch0)
    with pytest.raises(DataError):
        again.seek(0, 10)
    with pytest.raises(DataError, match="lower --context"):
        Batches(torch.arange(4), context=4, seed=0)


def test_checkpoints_keep_the_newest_and_skip_torn_or_corrupt_ones(tmp_path: Path) -> None:
    for step in (1, 2, 3):
        checkpoint.save(tmp_path, step, {"w": torch.full((2,), float(step))}, {"x": step}, keep=2)
    assert [s for s, _ in checkpoint.step_dirs(tmp_path)] == [2, 3]
    (tmp_path / "step-00000009").mkdir()  # a folder without files is not a checkpoint
    (tmp_path / ".tmp-step-00000004-1").mkdir()
    ck = checkpoint.load_latest(tmp_path)
    assert ck is not None and ck.step == 3 and ck.meta == {"step": 3, "x": 3}
    assert torch.equal(ck.state["w"], torch.full((2,), 3.0))
    (ck.path / checkpoint.STATE_FILE).write_bytes(b"garbage")
    skipped: list[Path] = []
    ck = checkpoint.load_latest(tmp_path, lambda p, e: skipped.append(p))
    assert ck is not None and ck.step == 2 and skipped == [tmp_path / "step-00000003"]
    assert checkpoint.remove_partial(tmp_path) == [tmp_path / ".tmp-step-00000004-1"]
    assert checkpoint.load_latest(tmp_path / "none") is None


def test_hf_tokenizer_ids_are_the_utf8_bytes() -> None:
    tok = hf_tokenizer()
    text = "Hello, 算力!\n\ttabs  and  spaces"
    assert tok.encode(text) == list(encode(text))
    assert tok.decode(tok.encode(text)) == text
    assert tok.eos_token_id == EOS_ID and len(tok) == 257
    assert decode([*encode("ok"), EOS_ID]) == "ok"
