"""Which server the CLI talks to: ``SUANLI_URL``/``SUANLI_TOKEN``, else the local ``suanli up``."""

from __future__ import annotations

import os

from suanli.appliance.home import read_server_info
from suanli.client import Client
from suanli.settings import DEFAULT_HOST, DEFAULT_PORT, default_home


def client() -> Client:
    """A client for the configured server; with nothing set, the local server on the default home."""
    home = default_home()
    url = os.environ.get("SUANLI_URL")
    token = os.environ.get("SUANLI_TOKEN")
    if url is None:
        info = read_server_info(home)
        url = info["url"] if info else f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
    if token is None:
        key_file = home / "admin.key"
        if key_file.exists():
            token = key_file.read_text().strip()
    return Client(url, token)
