"""The governance service: stores and loads what the pure cores compute on.

Other planes call three functions (documented in docs/governance.md, "For other planes"):

- :func:`suanli.governance.service.ledger.record_usage`: append usage records, idempotently;
- :func:`suanli.governance.service.budgets.check_budget` (or ``require_budget``): before admitting
  new jobs and deployments;
- :func:`suanli.governance.service.quotes.place_workload`: the best permitted pool, audited.
"""

from suanli.governance.service.budgets import check_budget, require_budget
from suanli.governance.service.ledger import Recorded, record_usage
from suanli.governance.service.quotes import place_workload

__all__ = ["Recorded", "check_budget", "place_workload", "record_usage", "require_budget"]
