"""SLA services: the only code that writes calendars, policies and ticket targets.

``ventanilla.sla.services`` is the import path for every caller; the modules group the rules:

* :mod:`.access` — who may change SLA settings.
* :mod:`.matching` — the cached configuration snapshot and which policy applies to a ticket.
* :mod:`.calendars` — business calendars and the default 24×7 calendar.
* :mod:`.policies` — policies and their escalation rules.
* :mod:`.clocks` — ticket targets: :func:`apply_sla` and the business-time arithmetic the tick shares.
* :mod:`.backfill` — targets in bulk for tickets that have none.
"""

from .access import can_manage
from .backfill import backfill_targets, ticket_has_sla, tickets_with_targets
from .calendars import (
    CALENDAR_FIELDS,
    DEFAULT_CALENDAR_NAME,
    default_calendar,
    delete_calendar,
    save_calendar,
)
from .clocks import TARGET_FIELDS, Clock, apply_sla, elapsed_at, schedule
from .matching import (
    ContractInfo,
    PolicyInfo,
    Snapshot,
    calendar_from_model,
    invalidate,
    match_policy,
    policy_info,
    snapshot,
)
from .policies import POLICY_FIELDS, RuleSpec, delete_policy, save_policy

__all__ = [
    "CALENDAR_FIELDS",
    "DEFAULT_CALENDAR_NAME",
    "POLICY_FIELDS",
    "TARGET_FIELDS",
    "Clock",
    "ContractInfo",
    "PolicyInfo",
    "RuleSpec",
    "Snapshot",
    "apply_sla",
    "backfill_targets",
    "calendar_from_model",
    "can_manage",
    "default_calendar",
    "delete_calendar",
    "delete_policy",
    "elapsed_at",
    "invalidate",
    "match_policy",
    "policy_info",
    "save_calendar",
    "save_policy",
    "schedule",
    "snapshot",
    "ticket_has_sla",
    "tickets_with_targets",
]
