"""Reconcile loops: desired state in the database, converged by controllers that may crash anywhere."""

from suanli.controllers.base import Controller
from suanli.controllers.runner import ControllerRunner

__all__ = ["Controller", "ControllerRunner"]
