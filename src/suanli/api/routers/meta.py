"""``/api/v1/me``, ``/api/v1/accelerator-kinds`` and ``/api/v1/recipes``."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from suanli.api.context import CtxDep
from suanli.api.schemas import AcceleratorKindOut, Me
from suanli.core.accelerators import default_table

router = APIRouter(prefix="/api/v1", tags=["meta"])


@router.get("/me", response_model=Me, name="me")
def me(ctx: CtxDep) -> Me:
    p = ctx.principal
    return Me(user_id=p.user_id, user=p.user_name, tenant_id=p.tenant_id, tenant=p.tenant_name, role=p.role.value,
              key_id=p.key_id)


@router.get("/accelerator-kinds", response_model=list[AcceleratorKindOut], name="accelerator_kinds")
def accelerator_kinds(ctx: CtxDep) -> list[AcceleratorKindOut]:
    table = default_table()
    out = []
    for k in table.kinds.values():
        v = table.vendors[k.vendor]
        out.append(AcceleratorKindOut(
            name=k.name, vendor=k.vendor, model=k.model, memory_gb=k.memory_gb,
            visible_devices_env=v.visible_devices_env, k8s_resources=list(v.k8s_resources),
            discovery_tool=v.discovery_tool, domestic=v.domestic,
        ))
    return out


class RecipeOut(BaseModel):
    name: str
    description: str
    steps: list[str]
    """The operators in order."""


@router.get("/recipes", response_model=list[RecipeOut], name="recipes")
def recipes(ctx: CtxDep) -> list[RecipeOut]:
    """The built-in curation recipes: the ones ``POST .../datasets/{d}/curations`` accepts."""
    from suanli.data.recipe import builtin_names, load

    return [RecipeOut(name=r.name, description=r.description.strip(), steps=[s.op for s in r.steps])
            for r in map(load, builtin_names())]
