"""Deployments: desired state (service), replica processes, health probes, and the reconcile loop."""
