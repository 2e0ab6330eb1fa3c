"""suanli (算力): an open-source control plane for an AI compute cloud."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from suanli.client import Client

__all__ = ["Client", "__version__"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # The SDK imports httpx; load it only when asked so that cores and the CLI start fast.
    if name == "Client":
        from suanli.client import Client

        return Client
    raise AttributeError(name)
