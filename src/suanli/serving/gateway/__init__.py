"""The OpenAI-compatible gateway at ``/v1``: tenant keys, rate limits, routing, metering.

``create_gateway(db)`` is a raw ASGI app (no framework routing on the hot path); ``suanli up`` mounts
it at ``/v1`` beside the REST API, and ``suanli gateway`` serves it alone for an edge region.
"""

from suanli.serving.gateway.app import Gateway, create_gateway
from suanli.serving.gateway.limits import Limits

__all__ = ["Gateway", "Limits", "create_gateway"]
