"""Pools, providers and workloads written as YAML: the offline input of ``suanli policy check``.

The services layer builds the same values from database rows; this loader exists so an operator can
try rules against a catalog on a laptop, and so examples in docs/governance.md are executable.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

from suanli.core.accelerators import kind_of
from suanli.core.errors import InvalidInput
from suanli.governance.pools import Pool
from suanli.governance.pricing import Price, PriceBook, Sku
from suanli.governance.providers import Ownership, Provider
from suanli.governance.resale import ResaleLayer
from suanli.governance.workloads import WorkKind, Workload
from suanli.governance.yamldoc import (
    Document,
    Path,
    data_class,
    decimal,
    get,
    integer,
    moment,
    no_unknown,
    string,
    strings,
)

T = TypeVar("T")

_POOL_FIELDS = {"id", "provider", "region", "jurisdiction", "certifications", "accelerators", "resale", "prices"}
_WORKLOAD_FIELDS = {"name", "tenant", "industry", "jurisdiction", "classification", "kind", "accelerators",
                    "cpu_cores", "storage_gb", "model", "tokens_in_per_hour", "tokens_out_per_hour"}


def load_catalog(text: str, source: str = "pools") -> tuple[tuple[Pool, ...], dict[str, Decimal]]:
    """Pools (with providers, resale chains and price books) and the relative performance table.

    The document has ``providers`` (id, name, ownership), ``pools`` and optionally ``performance``
    (accelerator kind to relative throughput).
    """
    doc = Document(text, source)
    raw = doc.data or {}
    if not isinstance(raw, dict):
        raise doc.fail((), "expected a mapping with 'providers' and 'pools'")
    no_unknown(doc, (), raw, {"providers", "pools", "performance"}, "top-level key")
    providers: dict[str, Provider] = {}
    for i, item in enumerate(_list(doc, ("providers",), raw.get("providers"))):
        path: Path = ("providers", i)
        no_unknown(doc, path, item, {"id", "name", "ownership"}, "provider field")
        pid = get(doc, path, item, "id", string, "")
        if not pid:
            raise doc.fail(path, "missing required field 'id'")
        ownership = get(doc, path, item, "ownership", _ownership, None)
        if ownership is None:
            raise doc.fail(path, "missing required field 'ownership'")
        providers[pid] = Provider(pid, get(doc, path, item, "name", string, pid), ownership)
    pools = tuple(
        _pool(doc, ("pools", i), item, providers) for i, item in enumerate(_list(doc, ("pools",), raw.get("pools")))
    )
    ids = [p.id for p in pools]
    for i, pid in enumerate(ids):
        if pid in ids[:i]:
            raise doc.fail(("pools", i, "id"), f"pool {pid!r} appears twice")
    performance: dict[str, Decimal] = {}
    perf_raw = raw.get("performance") or {}
    if not isinstance(perf_raw, dict):
        raise doc.fail(("performance",), "expected a mapping of accelerator kind to relative throughput")
    for kind in perf_raw:
        value = get(doc, ("performance",), perf_raw, kind, _kind_value(kind), Decimal(1))
        if value <= 0:
            raise doc.fail(("performance", kind), "relative throughput must be positive")
        performance[str(kind)] = value
    return pools, performance


def load_workload(text: str, source: str = "workload") -> Workload:
    """A workload spec: tenant facts, data classification, kind of work and resource demand."""
    doc = Document(text, source)
    raw = doc.data
    if not isinstance(raw, dict):
        raise doc.fail((), "expected a mapping describing one workload")
    no_unknown(doc, (), raw, _WORKLOAD_FIELDS, "workload field")
    for required in ("tenant", "industry", "jurisdiction", "classification", "kind"):
        if required not in raw:
            raise doc.fail((), f"missing required field {required!r}")
    acc = raw.get("accelerators") or {}
    if not isinstance(acc, dict):
        raise doc.fail(("accelerators",), "expected {kinds: [...], count: N}")
    no_unknown(doc, ("accelerators",), acc, {"kinds", "count"}, "accelerator field")
    no_kinds: tuple[str, ...] = ()
    kinds = get(doc, ("accelerators",), acc, "kinds", _kind_list, no_kinds)
    return _build(doc, (), lambda: Workload(
        name=get(doc, (), raw, "name", string, "workload"),
        tenant=get(doc, (), raw, "tenant", string, ""),
        industry=get(doc, (), raw, "industry", string, ""),
        jurisdiction=get(doc, (), raw, "jurisdiction", string, ""),
        classification=get(doc, (), raw, "classification", data_class, data_class("public")),
        kind=get(doc, (), raw, "kind", _work_kind, WorkKind.TRAINING),
        accelerator_kinds=kinds,
        accelerator_count=get(doc, ("accelerators",), acc, "count", integer, 1 if kinds else 0),
        cpu_cores=get(doc, (), raw, "cpu_cores", integer, 0),
        storage_gb=get(doc, (), raw, "storage_gb", decimal, Decimal(0)),
        model=get(doc, (), raw, "model", string, None),
        tokens_in_per_hour=get(doc, (), raw, "tokens_in_per_hour", decimal, Decimal(0)),
        tokens_out_per_hour=get(doc, (), raw, "tokens_out_per_hour", decimal, Decimal(0)),
    ))


def _pool(doc: Document, path: Path, raw: Any, providers: dict[str, Provider]) -> Pool:
    if not isinstance(raw, dict):
        raise doc.fail(path, "expected a pool (a mapping)")
    no_unknown(doc, path, raw, _POOL_FIELDS, "pool field")
    for required in ("id", "provider", "region", "jurisdiction"):
        if required not in raw:
            raise doc.fail(path, f"missing required field {required!r}")
    pid = get(doc, path, raw, "id", string, "")
    operator = _provider(doc, (*path, "provider"), get(doc, path, raw, "provider", string, ""), providers)
    layers = []
    for i, item in enumerate(_list(doc, (*path, "resale"), raw.get("resale"))):
        lpath = (*path, "resale", i)
        no_unknown(doc, lpath, item, {"reseller", "markup"}, "resale field")
        reseller = _provider(doc, (*lpath, "reseller"), get(doc, lpath, item, "reseller", string, ""), providers)
        markup = get(doc, lpath, item, "markup", decimal, Decimal(0))
        layers.append(_build(doc, (*lpath, "markup"), partial(ResaleLayer, reseller, markup)))
    prices = []
    for i, item in enumerate(_list(doc, (*path, "prices"), raw.get("prices"))):
        ppath = (*path, "prices", i)
        no_unknown(doc, ppath, item, {"sku", "price", "effective"}, "price field")
        for required in ("sku", "price", "effective"):
            if required not in item:
                raise doc.fail(ppath, f"missing required field {required!r}")
        sku = get(doc, ppath, item, "sku", _sku, Sku.parse("cpu-core-hour"))
        amount = get(doc, ppath, item, "price", decimal, Decimal(0))
        effective = get(doc, ppath, item, "effective", moment, moment("2000-01-01T00:00:00+00:00"))
        prices.append(_build(doc, ppath, partial(Price, sku, amount, effective)))
    accelerators = raw.get("accelerators") or {}
    if not isinstance(accelerators, dict):
        raise doc.fail((*path, "accelerators"), "expected a mapping of accelerator kind to free count")
    free = {str(k): get(doc, (*path, "accelerators"), accelerators, k, _kind_count(k), 0) for k in accelerators}
    book = _build(doc, (*path, "prices"), lambda: PriceBook(pid, operator.id, tuple(prices), tuple(layers)))
    return Pool(
        id=pid,
        provider=operator,
        region=get(doc, path, raw, "region", string, ""),
        jurisdiction=get(doc, path, raw, "jurisdiction", string, ""),
        price_book=book,
        certifications=get(doc, path, raw, "certifications", strings, frozenset()),
        accelerators=free,
    )


def _provider(doc: Document, path: Path, pid: str, providers: dict[str, Provider]) -> Provider:
    if pid not in providers:
        raise doc.fail(path, f"unknown provider {pid!r} (declare it under 'providers')")
    return providers[pid]


def _list(doc: Document, path: Path, value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise doc.fail(path, "expected a list of mappings")
    return value


def _build(doc: Document, path: Path, make: Callable[[], T]) -> T:
    # Domain constructors validate too (a negative price, an unknown kind); point their errors at the text.
    try:
        return make()
    except InvalidInput as exc:
        raise doc.fail(path, exc.message) from None


def _ownership(value: Any) -> Ownership:
    try:
        return Ownership(string(value))
    except ValueError:
        raise ValueError(
            f"unknown ownership {value!r} (known: {', '.join(o.value for o in Ownership)})"
        ) from None


def _work_kind(value: Any) -> WorkKind:
    try:
        return WorkKind(string(value))
    except ValueError:
        raise ValueError(f"unknown kind of work {value!r} (known: {', '.join(k.value for k in WorkKind)})") from None


def _sku(value: Any) -> Sku:
    return Sku.parse(string(value))


def _kind_list(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ValueError(f"expected a list of accelerator kinds, got {value!r}")
    return tuple(kind_of(string(v)).name for v in items)


def _kind_count(kind: Any) -> Any:
    def convert(value: Any) -> int:
        kind_of(str(kind))
        count = integer(value)
        if count < 0:
            raise ValueError("free count must be 0 or more")
        return count

    return convert


def _kind_value(kind: Any) -> Any:
    def convert(value: Any) -> Decimal:
        kind_of(str(kind))
        return decimal(value)

    return convert


