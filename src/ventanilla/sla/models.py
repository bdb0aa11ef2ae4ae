"""SLA data: calendars, policies and their escalation rules, per-ticket targets, firings and the outbox.

Timers are rows (ARCHITECTURE §3.6): a running target stores ``due_at`` and ``escalate_at``; the tick
selects the rows whose time has come through partial indexes, so it costs an index probe when nothing is due.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ventanilla.core.models import ChangeLoggedModel, TimeStampedModel
from ventanilla.tickets.choices import Priority, TicketType

from .choices import EscalationAction, OutboxKind, OutboxState, TargetKind, default_pause_statuses

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class BusinessCalendar(ChangeLoggedModel, TimeStampedModel):
    """Working hours in a time zone, public holidays of a region, and the calendar's own exceptions."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Madrid")
    holiday_country = models.CharField(
        _("holiday country"),
        max_length=3,
        blank=True,
        help_text=_("ISO 3166 code, e.g. ES, MX, CO, AR, US. Empty: no holidays."),
    )
    holiday_subdivision = models.CharField(
        _("holiday subdivision"),
        max_length=10,
        blank=True,
        help_text=_("Region within the country, e.g. MD (Madrid), NY."),
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CalendarInterval(models.Model):
    """One working interval of a weekday, local time. An end of 00:00 means midnight at the end of the day."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("working interval")
        verbose_name_plural = _("working intervals")
        ordering = ["weekday", "start"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class CalendarClosure(models.Model):
    """A date the desk is closed on although the calendar would say otherwise (e.g. a company holiday)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("extra closure")
        verbose_name_plural = _("extra closures")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="sla_closure_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


class ExtraWorkingDay(models.Model):
    """A date worked although it is a holiday or weekend. Several rows on one date give several intervals;
    a row without times means the usual hours of that weekday (or of the first working weekday)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="extra_days")
    date = models.DateField(_("date"))
    start = models.TimeField(_("from"), null=True, blank=True)
    end = models.TimeField(_("until"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("extra working day")
        verbose_name_plural = _("extra working days")
        ordering = ["date", "start"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


class SlaPolicy(ChangeLoggedModel, TimeStampedModel):
    """Targets in business minutes on a calendar, for the tickets that match its criteria.

    Empty criteria match everything. When several active policies match a ticket the most specific wins,
    comparing in this order: contract, organisation, service, ticket type, priority (a policy naming a
    contract beats any policy that does not, and so on down the list). Two active policies with the very
    same criteria are refused, so there is never a tie.
    """

    name = models.CharField(_("name"), max_length=150, unique=True)
    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="policies"
    )
    contract = models.ForeignKey(
        "accounts.Contract",
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
    )
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
    )
    ticket_type = models.CharField(_("ticket type"), max_length=10, choices=TicketType.choices, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, null=True, blank=True
    )
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (business minutes)"))
    next_update_minutes = models.PositiveIntegerField(
        _("next update (business minutes)"),
        null=True,
        blank=True,
        help_text=_("Empty: no periodic update is promised."),
    )
    pause_statuses = models.JSONField(
        _("statuses that stop the clock"), default=default_pause_statuses, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def specificity(self) -> int:
        """Binary weights make the comparison lexicographic in the documented order."""
        return (
            16 * (self.contract_id is not None)
            + 8 * (self.organization_id is not None)
            + 4 * (self.service_id is not None)
            + 2 * bool(self.ticket_type)
            + (self.priority is not None)
        )

    def criteria(self) -> tuple[Any, ...]:
        return (
            self.contract_id,
            self.organization_id,
            self.service_id,
            self.ticket_type or "",
            self.priority,
        )

    def target_minutes(self) -> dict[str, int]:
        found = {
            TargetKind.FIRST_RESPONSE.value: self.first_response_minutes,
            TargetKind.RESOLUTION.value: self.resolution_minutes,
        }
        if self.next_update_minutes:
            found[TargetKind.NEXT_UPDATE.value] = self.next_update_minutes
        return found


class EscalationRule(models.Model):
    """At ``threshold`` percent of a target's business time, do ``action`` (once per ticket and target)."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="escalations")
    target = models.CharField(_("target"), max_length=20, choices=TargetKind.choices)
    threshold = models.PositiveSmallIntegerField(
        _("threshold (%)"),
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("Percentage of the target's business time; 100 is the deadline itself."),
    )
    action = models.CharField(_("action"), max_length=30, choices=EscalationAction.choices)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("For “reassign to a team”: the team that takes the ticket over."),
    )

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["policy", "target", "threshold", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "target", "threshold", "action"],
                name="sla_escalation_unique",
                violation_error_message=_("This escalation is already defined."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_target_display()} {self.threshold}% → {self.get_action_display()}"


class TicketSlaTarget(models.Model):
    """The state of one target of one ticket.

    Business time is banked in ``elapsed_seconds`` whenever the clock stops (pause, met, policy change);
    while it runs, ``last_started_at`` is set and the time since then is added on the fly. ``due_at`` is
    null while paused; ``escalate_at`` is when the next unfired escalation rule comes due.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="sla_targets")
    kind = models.CharField(_("target"), max_length=20, choices=TargetKind.choices)
    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="+"
    )
    target_seconds = models.PositiveIntegerField(_("target (business seconds)"))
    elapsed_seconds = models.FloatField(_("elapsed business seconds"), default=0.0)
    last_started_at = models.DateTimeField(_("clock running since"), null=True, blank=True)
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    escalate_at = models.DateTimeField(_("next escalation at"), null=True, blank=True)
    # A next-update target starts a new cycle with every public reply; escalations fire once per cycle.
    cycle = models.PositiveIntegerField(default=1)
    breach_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["ticket", "kind"]
        constraints = [models.UniqueConstraint(fields=["ticket", "kind"], name="sla_target_unique")]
        indexes = [
            # The tick's two probes: only live rows are in these indexes, so "nothing due" is one page read.
            models.Index(
                fields=["due_at"],
                name="sla_target_due_idx",
                condition=Q(breached_at__isnull=True, met_at__isnull=True, due_at__isnull=False),
            ),
            models.Index(
                fields=["escalate_at"], name="sla_target_escalate_idx", condition=Q(escalate_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"

    @property
    def running(self) -> bool:
        return self.last_started_at is not None


class EscalationFiring(models.Model):
    """Proof that a rule fired for a target (and cycle): the unique constraint makes it fire once."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(TicketSlaTarget, on_delete=models.CASCADE, related_name="firings")
    rule = models.ForeignKey(EscalationRule, on_delete=models.CASCADE, related_name="firings")
    cycle = models.PositiveIntegerField(default=1)
    fired_at = models.DateTimeField(_("fired at"), auto_now_add=True)

    class Meta:
        verbose_name = _("escalation fired")
        verbose_name_plural = _("escalations fired")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target", "rule", "cycle"], name="sla_firing_once"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.rule_id}@{self.cycle}"


class Outbox(models.Model):
    """Something the SLA worker must do outside the tick: mail people, reassign, raise priority.

    Written in the tick's transaction; delivered by workers that claim a row by pushing ``next_attempt_at``
    forward with a conditional UPDATE, so a crashed worker's row comes back after the lease.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=OutboxKind.choices)
    action = models.CharField(_("action"), max_length=30, choices=EscalationAction.choices, blank=True)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(
        TicketSlaTarget, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule = models.ForeignKey(
        EscalationRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA outbox message")
        verbose_name_plural = _("SLA outbox")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="sla_outbox_pending_idx",
                condition=Q(state=OutboxState.PENDING),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.action} #{self.ticket_id}"


class OutboxAttempt(models.Model):
    """Every delivery attempt, successful or not, for the record."""

    outbox = models.ForeignKey(Outbox, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    ok = models.BooleanField(_("succeeded"))
    detail = models.TextField(_("detail"), blank=True)
    recipients = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.outbox_id} {'ok' if self.ok else 'failed'}"


__all__ = [
    "BusinessCalendar",
    "CalendarClosure",
    "CalendarInterval",
    "EscalationFiring",
    "EscalationRule",
    "ExtraWorkingDay",
    "Outbox",
    "OutboxAttempt",
    "SlaPolicy",
    "TicketSlaTarget",
]
