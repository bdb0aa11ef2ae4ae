from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .models import Heartbeat


def home(request: HttpRequest) -> HttpResponse:
    """Send each visitor to their side of the desk: customers to the portal, staff to the workspace,
    everyone else to sign in (the portal's sign-in page serves both sides)."""
    user = request.user
    if not user.is_authenticated:
        return redirect("portal:sign-in")
    if getattr(user, "is_customer", False):
        return redirect("portal:home")
    for name in ("desk:home", "desk:ticket-list"):  # the workspace's start page, whichever it offers
        try:
            return redirect(reverse(name))
        except NoReverseMatch:
            continue
    return redirect("portal:sign-in")


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: the database answers; reports the last worker heartbeat."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    beat = Heartbeat.objects.filter(name="worker").values_list("seen_at", flat=True).first()
    age = (timezone.now() - beat).total_seconds() if beat else None
    return JsonResponse({"database": "ok", "worker_heartbeat_age_seconds": age})
