"""The REST API (``/api/v1``), health endpoints and the console's static files."""

from suanli.api.app import create_app

__all__ = ["create_app"]
