"""Tenants, users, API keys, roles, quotas and the audit log."""
