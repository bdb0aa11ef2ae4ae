"""SLA policies and their escalation rules: create, change and delete them.

Rules:

* A policy is refused when it could match no ticket (contract of another organisation, service outside
  the contract, ended contract, inactive service or organisation) or when another active policy has
  exactly the same criteria.
* Escalation rules refer only to targets the policy sets; rules that survive a change unchanged keep
  their id, and so their firings.
* Existing tickets keep their targets until something about them changes (see docs/admin/sla.md).
* A policy that gave tickets targets cannot be deleted; deactivate it instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ventanilla.core.context import acting_as
from ventanilla.core.errors import Conflict, ValidationFailed
from ventanilla.tickets.choices import TicketType

from ..choices import PAUSABLE_STATUSES, EscalationAction, TargetKind
from ..models import EscalationRule, SlaPolicy, TicketSlaTarget
from .access import _require_manager
from .calendars import default_calendar
from .matching import invalidate

POLICY_FIELDS = {
    "name",
    "calendar",
    "contract",
    "organization",
    "service",
    "ticket_type",
    "priority",
    "first_response_minutes",
    "resolution_minutes",
    "next_update_minutes",
    "pause_statuses",
    "is_active",
    "description",
}


@dataclass(frozen=True)
class RuleSpec:
    target: str
    threshold: int
    action: str
    team: Any = None


def _check_policy(policy: SlaPolicy, rules: Sequence[RuleSpec]) -> None:
    for name, label in (
        ("first_response_minutes", _("first response")),
        ("resolution_minutes", _("resolution")),
        ("next_update_minutes", _("next update")),
    ):
        value = getattr(policy, name)
        if value is None and name == "next_update_minutes":
            continue
        if value is None or int(value) <= 0:
            raise ValidationFailed(
                _("The %(target)s target must be a positive number of business minutes.") % {"target": label},
                code="invalid_target",
                field=name,
            )
    if policy.ticket_type and policy.ticket_type not in TicketType.values:
        raise ValidationFailed(
            _("Unknown ticket type “%(t)s”.") % {"t": policy.ticket_type},
            code="invalid_choice",
            field="ticket_type",
        )
    statuses = policy.pause_statuses
    if not isinstance(statuses, list) or any(s not in PAUSABLE_STATUSES for s in statuses):
        raise ValidationFailed(
            _("Only these statuses can stop the clock: %(all)s.") % {"all": ", ".join(PAUSABLE_STATUSES)},
            code="invalid_pause_status",
            field="pause_statuses",
        )
    policy.pause_statuses = sorted(set(statuses))
    contract = policy.contract
    if contract is not None:
        if policy.organization_id is not None and policy.organization_id != contract.organization_id:
            raise ValidationFailed(
                _("This policy can match no ticket: the contract belongs to another organisation."),
                code="policy_matches_nothing",
                field="contract",
            )
        if policy.service_id is not None:
            covered = set(contract.services.values_list("pk", flat=True))
            if covered and policy.service_id not in covered:
                raise ValidationFailed(
                    _("This policy can match no ticket: the contract does not cover this service."),
                    code="policy_matches_nothing",
                    field="service",
                )
        if contract.ends_on is not None and contract.ends_on < timezone.localdate():
            raise ValidationFailed(
                _("This policy can match no new ticket: the contract has ended."),
                code="policy_matches_nothing",
                field="contract",
            )
    if policy.service is not None and not policy.service.is_active:
        raise ValidationFailed(
            _("This policy can match no new ticket: the service is inactive."),
            code="policy_matches_nothing",
            field="service",
        )
    if policy.organization is not None and not policy.organization.is_active:
        raise ValidationFailed(
            _("This policy can match no new ticket: the organisation is inactive."),
            code="policy_matches_nothing",
            field="organization",
        )
    if policy.is_active:
        clash = [
            p
            for p in SlaPolicy.objects.filter(is_active=True).exclude(pk=policy.pk)
            if p.criteria() == policy.criteria()
        ]
        if clash:
            raise ValidationFailed(
                _("The active policy “%(other)s” already has exactly these criteria.")
                % {"other": clash[0].name},
                code="duplicate_criteria",
            )
    kinds = set(policy.target_minutes())
    seen: set[tuple[str, int, str]] = set()
    for rule in rules:
        if rule.target not in TargetKind.values:
            raise ValidationFailed(
                _("Unknown target “%(t)s”; use one of: %(all)s.")
                % {"t": rule.target, "all": ", ".join(TargetKind.values)},
                code="invalid_choice",
                field="escalations",
            )
        if rule.target not in kinds:
            raise ValidationFailed(
                _("An escalation refers to the %(t)s target, which this policy does not set.")
                % {"t": TargetKind(rule.target).label},
                code="invalid_escalation",
                field="escalations",
            )
        if rule.action not in EscalationAction.values:
            raise ValidationFailed(
                _("Unknown escalation action “%(a)s”; use one of: %(all)s.")
                % {"a": rule.action, "all": ", ".join(EscalationAction.values)},
                code="invalid_choice",
                field="escalations",
            )
        if not 1 <= int(rule.threshold) <= 1000:
            raise ValidationFailed(
                _("An escalation threshold is a percentage between 1 and 1000."),
                code="invalid_threshold",
                field="escalations",
            )
        if (rule.action == EscalationAction.REASSIGN_TEAM) != (rule.team is not None):
            raise ValidationFailed(
                _("Name a team for “reassign to a team”, and only for it."),
                code="invalid_escalation",
                field="escalations",
            )
        key = (rule.target, int(rule.threshold), rule.action)
        if key in seen:
            raise ValidationFailed(
                _("This escalation is already defined."), code="duplicate_escalation", field="escalations"
            )
        seen.add(key)


def save_policy(
    *,
    actor: Any,
    policy: SlaPolicy | None = None,
    data: Mapping[str, Any],
    escalations: Sequence[RuleSpec] | None = None,
) -> SlaPolicy:
    """Create or change a policy (and replace its escalation rules when given). Existing tickets keep
    their targets until something about them changes; see docs/admin/sla.md."""
    _require_manager(actor)
    unknown = set(data) - POLICY_FIELDS
    if unknown:
        raise ValidationFailed(
            _("Unknown policy fields: %(f)s.") % {"f": ", ".join(sorted(unknown))}, code="unknown_field"
        )
    instance = policy or SlaPolicy()
    if policy is not None:
        policy.snapshot()
    for name, value in data.items():
        setattr(instance, name, value)
    if "calendar" not in data and instance.calendar_id is None:
        instance.calendar = default_calendar()
    if not (instance.name or "").strip():
        raise ValidationFailed(_("A policy needs a name."), code="required", field="name")
    if SlaPolicy.objects.filter(name__iexact=instance.name).exclude(pk=instance.pk).exists():
        raise ValidationFailed(
            _("A policy with this name already exists."), code="duplicate_name", field="name"
        )
    rules = (
        list(escalations)
        if escalations is not None
        else [RuleSpec(r.target, r.threshold, r.action, r.team) for r in instance.escalations.all()]
        if instance.pk
        else []
    )
    _check_policy(instance, rules)
    with acting_as(actor), transaction.atomic():
        instance.save()
        if escalations is not None:
            # Rules that survive unchanged keep their id (and so their firings); the rest are replaced.
            keep: set[int] = set()
            for spec in rules:
                existing = instance.escalations.filter(
                    target=spec.target, threshold=spec.threshold, action=spec.action
                ).first()
                if existing is None:
                    existing = EscalationRule.objects.create(
                        policy=instance,
                        target=spec.target,
                        threshold=spec.threshold,
                        action=spec.action,
                        team=spec.team,
                    )
                elif existing.team != spec.team:
                    existing.team = spec.team
                    existing.save(update_fields=["team"])
                keep.add(existing.pk)
            instance.escalations.exclude(pk__in=keep).delete()
        invalidate()
    return instance


def delete_policy(*, actor: Any, policy: SlaPolicy) -> None:
    _require_manager(actor)
    if TicketSlaTarget.objects.filter(policy=policy).exists():
        raise Conflict(_("Tickets have targets from this policy; deactivate it instead."), code="in_use")
    with acting_as(actor), transaction.atomic():
        policy.delete()
        invalidate()
