from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone

from .models import Heartbeat


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each visitor to their side of the desk."""
    return redirect("desk:ticket-list")


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: the database answers; reports the last worker heartbeat."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    beat = Heartbeat.objects.filter(name="worker").values_list("seen_at", flat=True).first()
    age = (timezone.now() - beat).total_seconds() if beat else None
    return JsonResponse({"database": "ok", "worker_heartbeat_age_seconds": age})
