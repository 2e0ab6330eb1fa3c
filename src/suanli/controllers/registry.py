"""Every controller a server runs. A plane adds its controller here, once."""

from __future__ import annotations

from pathlib import Path

from suanli.controllers.base import Controller
from suanli.controllers.tenants import TenantController
from suanli.data.datasets.curation_controller import CurationController
from suanli.data.datasets.expiry import UploadExpiry
from suanli.governance.service.bridge import MeteringController
from suanli.governance.service.controller import BudgetController
from suanli.objects import store_from_env
from suanli.serving.deployments.controller import DeploymentController
from suanli.serving.registry.outputs import OutputRegistrar
from suanli.training.controller import JobController


def all_controllers(home: Path) -> list[Controller]:
    """The controllers of a server whose state directory is ``home``."""
    return [
        TenantController(home / "objects"),
        BudgetController(),
        MeteringController(home),
        UploadExpiry(store_from_env(home)),
        CurationController(home, store_from_env(home)),
        DeploymentController(home),
        JobController(home),
        OutputRegistrar(home),
    ]
