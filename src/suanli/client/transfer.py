"""Whole-file transfers of datasets: chunked, resumable uploads and downloads, verified by sha256.

An upload hashes its files, declares them (the server answers which chunks it already holds, so a
rerun after a crash or a killed process sends only the rest), sends the missing chunks, and
commits. A download appends to a ``.part`` file with ``Range`` requests and verifies each shard's
sha256 before renaming it into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from suanli.client.datasets import DatasetCalls
from suanli.data.datasets.manifest import DEFAULT_CHUNK_SIZE
from suanli.data.datasets.verify import glance, iter_documents
from suanli.objects import ChecksumMismatch

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes in all)."""

FAULT_KILL_AFTER = "SUANLI_FAULT_UPLOAD_KILL_AFTER"
"""Fault injection for tests: the uploading process SIGKILLs itself after sending this many chunks."""


def file_digest(path: Path) -> tuple[int, str]:
    """Size and sha256 of a local file, read in 1 MiB blocks."""
    h, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while block := f.read(1024 * 1024):
            h.update(block)
            size += len(block)
    return size, h.hexdigest()


class TransferCalls(DatasetCalls):
    """Datasets moved whole between local files and the server."""

    def upload_dataset(
        self, tenant: str, name: str, paths: list[Any], *, chunk_size: int = DEFAULT_CHUNK_SIZE,
        parent_version: int | None = None, recipe: str | None = None, report: str | None = None,
        message: str = "", progress: Progress | None = None,
    ) -> dict[str, Any]:
        """Upload local JSONL files as a new version, in checksummed chunks, resuming an interrupted upload.

        ``progress`` is called with (bytes done, bytes in all). Answers the committed version.
        """
        files = [Path(p) for p in paths]
        for p in files:
            glance(p)
        declared = []
        for p in files:
            size, digest = file_digest(p)
            declared.append({"name": p.name, "size": size, "sha256": digest})
        session = self.begin_dataset_upload(
            tenant, name, declared, chunk_size=chunk_size, parent_version=parent_version, recipe=recipe,
            report=report, message=message,
        )
        todo: list[tuple[Path, int, int, int]] = []  # path, file index, chunk number, chunk size
        total = done = 0
        for entry, path in zip(session["files"], files, strict=True):
            if entry["present"]:
                continue
            have = set(entry["received"])
            for n in range(1, entry["parts"] + 1):
                size = min(chunk_size, entry["size"] - (n - 1) * chunk_size)
                total += size
                if n in have:
                    done += size
                else:
                    todo.append((path, entry["index"], n, size))
        if progress:
            progress(done, total)
        kill_after = int(os.environ.get(FAULT_KILL_AFTER, "0") or 0)
        for sent, (path, index, number, size) in enumerate(todo, start=1):
            with open(path, "rb") as f:
                f.seek((number - 1) * chunk_size)
                data = f.read(size)
            self.put_dataset_chunk(tenant, name, session["id"], index, number, data)
            done += size
            if progress:
                progress(done, total)
            if kill_after and sent >= kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
        return self.commit_dataset_upload(tenant, name, session["id"])

    def download_dataset(self, tenant: str, name: str, dest: Any, *, version: int | str = "latest",
                         progress: Progress | None = None) -> dict[str, Any]:
        """Download every shard of a version into folder ``dest`` (resuming partial files) plus its
        ``manifest.json``, each shard verified by sha256; answers the manifest."""
        folder = Path(dest)
        folder.mkdir(parents=True, exist_ok=True)
        manifest = self.dataset_version(tenant, name, version)
        total = sum(sh["size"] for sh in manifest["shards"])
        done = 0
        for sh in manifest["shards"]:
            final = folder / sh["name"]
            if final.exists() and file_digest(final) == (sh["size"], sh["sha256"]):
                done += sh["size"]
                continue
            part = folder / f".{sh['name']}.part"
            start = part.stat().st_size if part.exists() else 0
            if start > sh["size"]:
                part.unlink()
                start = 0
            done += start
            if progress:
                progress(done, total)
            with open(part, "ab") as out:
                blocks = self.stream_dataset_shard(tenant, name, manifest["number"], sh["position"], start=start)
                for block in blocks:
                    out.write(block)
                    done += len(block)
                    if progress:
                        progress(done, total)
            if file_digest(part) != (sh["size"], sh["sha256"]):
                part.unlink()
                raise ChecksumMismatch(f"{sh['name']!r} arrived damaged (sha256 differs); download again")
            os.replace(part, final)
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        return manifest

    def export_dataset(self, tenant: str, name: str, out: Path, *, version: int | str = "latest") -> dict[str, Any]:
        """Write every document of a version, decompressed, into one JSON Lines file ``out``."""
        manifest = self.dataset_version(tenant, name, version)
        tmp = out.with_name(f".{out.name}.tmp")
        with open(tmp, "wb") as f:
            for sh in manifest["shards"]:
                stream = self.stream_dataset_shard(tenant, name, manifest["number"], sh["position"])
                last = b"\n"
                for block in iter_documents(sh["compression"], stream):
                    if block:
                        f.write(block)
                        last = block[-1:]
                if last != b"\n":
                    f.write(b"\n")
        os.replace(tmp, out)
        return manifest
