"""suanli (算力): an open-source control plane for an AI compute cloud."""

from suanli.client import Client

__all__ = ["Client", "__version__"]
__version__ = "0.1.0"
