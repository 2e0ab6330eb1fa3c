"""The Python SDK: ``suanli.Client(url, token)`` over httpx. The CLI talks to servers only through it.

Each plane's calls live in a module of their own (:mod:`.tenancy`, :mod:`.training`, :mod:`.governance`,
:mod:`.datasets` with :mod:`.transfer`, :mod:`.serving`), all built on one :class:`.transport.Transport`.
"""

from __future__ import annotations

from suanli.client.governance import GovernanceCalls
from suanli.client.serving import ServingCalls
from suanli.client.tenancy import TenancyCalls
from suanli.client.training import TrainingCalls
from suanli.client.transfer import TransferCalls


class Client(TenancyCalls, TrainingCalls, GovernanceCalls, TransferCalls, ServingCalls):
    """A suanli server, seen through its REST API: every plane's calls over one connection.

    ``transport`` is the test seam (``httpx.MockTransport`` or an ASGI transport); creates send an
    ``Idempotency-Key`` so that the built-in retry never creates twice.
    """


__all__ = ["Client"]
