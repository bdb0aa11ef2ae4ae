"""Service-desk reports in the workspace. First: SLA compliance, as a chart and a table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ventanilla.core.permissions import restrict
from ventanilla.sla.selectors import GROUPS, compliance
from ventanilla.tickets.models import Ticket

from .common import staff

DEFAULT_DAYS = 30
# Ticket numbers listed per cell; the rest are counted ("and 12 more").
SHOWN_BREACHES = 20


class ComplianceForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(
        label=_("To (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    group_by = forms.ChoiceField(
        label=_("Group by"),
        required=False,
        choices=[
            ("organization", _("Organisation")),
            ("service", _("Service")),
            ("priority", _("Priority")),
            ("team", _("Team")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["class"] = (
                "form-select form-select-sm" if name == "group_by" else ("form-control form-control-sm")
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("The period must start before it ends."))
        return data


def _bounds(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    today = timezone.localdate()
    end = end or today
    start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    zone = timezone.get_current_timezone()
    return (
        start,
        end,
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


@login_required
def sla_compliance(request: HttpRequest) -> HttpResponse:
    """% of response and resolution targets met per group over a period, with the breached tickets."""
    user = staff(request)
    form = ComplianceForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    data = form.cleaned_data if request.GET and valid else {}
    group_by = data.get("group_by") or "organization"
    if group_by not in GROUPS:
        group_by = "organization"
    start, end, since, until = _bounds(data.get("start"), data.get("end"))
    rows: list[dict[str, Any]] = []
    if valid:
        visible = restrict(Ticket.objects.all(), user, "view")
        rows = compliance(since, until, group_by=group_by, tickets=visible)  # type: ignore[arg-type]
        breached = {
            pk for row in rows for k in ("response", "resolution") for pk in row[k]["breached_ticket_ids"]
        }
        numbers = dict(Ticket.objects.filter(pk__in=breached).values_list("pk", "number"))
        labels = {"response": _("First response"), "resolution": _("Resolution")}
        for row in rows:
            for key in ("response", "resolution"):
                ids = row[key]["breached_ticket_ids"]
                row[key]["shown"] = [(pk, numbers.get(pk, pk)) for pk in ids[:SHOWN_BREACHES]]
                row[key]["more"] = max(0, len(ids) - SHOWN_BREACHES)
                row[key]["label"] = labels[key]
            row["cells"] = [row["response"], row["resolution"]]
    chart = {
        "labels": [str(row["group"]["name"] or _("(none)")) for row in rows],
        "response": [row["response"]["percent_met"] for row in rows],
        "resolution": [row["resolution"]["percent_met"] for row in rows],
        "response_label": str(_("First response met (%)")),
        "resolution_label": str(_("Resolution met (%)")),
    }
    return render(
        request,
        "desk/sla_compliance.html",
        {
            "form": form,
            "rows": rows,
            "chart": chart,
            "start": start,
            "end": end,
            "group_by": group_by,
            "desk_section": "reports",
        },
    )
