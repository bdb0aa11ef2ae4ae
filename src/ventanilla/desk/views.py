from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ventanilla.core.permissions import get_restricted_or_404, restrict
from ventanilla.tickets.models import Ticket


@login_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    tickets = restrict(Ticket.objects.all(), request.user).select_related("requester", "organization", "assignee")[:50]
    return render(request, "desk/ticket_list.html", {"tickets": tickets})


@login_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_restricted_or_404(Ticket.objects.all(), request.user, pk=pk)
    return render(request, "desk/ticket_detail.html", {"ticket": ticket})
