from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("sla/calendars", views.CalendarViewSet, basename="sla-calendar")
router.register("sla/policies", views.PolicyViewSet, basename="sla-policy")

urlpatterns = [
    path("sla/tickets/<int:ticket_id>/", views.TicketSlaView.as_view(), name="sla-ticket"),
    path("sla/compliance/", views.ComplianceView.as_view(), name="sla-compliance"),
    *router.urls,
]
