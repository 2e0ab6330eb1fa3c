"""``suanli dataset curate``: a version through a curation recipe into a new version, with report and lineage.

The curation itself is the data plane's pipeline (:func:`suanli.data.runners.local.run`), called as is:
the version is exported as one JSON Lines file, curated with every core (resumable: an interrupted run
started again continues from its last committed shard), its report stored on the platform, and the
result uploaded as a new version whose parent is the source version and whose recipe and report say
how it was made.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from suanli.client import Client
    from suanli.client.transfer import Progress


def curate_version(
    client: Client, tenant: str, name: str, recipe: str, *, work_dir: Path, version: int | str = "latest",
    workers: int | None = None, shard_docs: int = 2000, chunk_size: int | None = None,
    on_stage: Callable[[str], None] | None = None, progress: Progress | None = None,
) -> dict[str, Any]:
    """Curate ``version`` of dataset ``name`` with ``recipe``; answers the new version."""
    from suanli.data.recipe import load
    from suanli.data.runners import local

    chosen = load(recipe)
    stage = on_stage or (lambda _: None)
    source = client.dataset_version(tenant, name, version)
    number = source["number"]
    base = work_dir / tenant / name / f"v{number}"
    base.mkdir(parents=True, exist_ok=True)
    raw = base / "input.jsonl"
    if not raw.exists():
        stage(f"export version {number}")
        client.export_dataset(tenant, name, raw, version=number)
    out = base / chosen.name / f"{chosen.name}.jsonl.zst"
    out.parent.mkdir(parents=True, exist_ok=True)
    stage(f"curate with {chosen.name}")
    report = local.run(chosen, raw, out, workers=workers, shard_docs=shard_docs)
    ref = client.create_dataset_report(tenant, name, {"source_version": number, **report})
    stage("upload the result")
    options: dict[str, Any] = {"chunk_size": chunk_size} if chunk_size else {}
    kept = f"{report.get('docs_out')} of {report.get('docs_in')} documents kept"
    return client.upload_dataset(
        tenant, name, [out], parent_version=number, recipe=chosen.name, report=ref,
        message=f"{chosen.name} of version {number}: {kept}", progress=progress, **options,
    )
