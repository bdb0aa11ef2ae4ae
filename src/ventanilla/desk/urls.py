from django.urls import path

from . import views
from .views.common import agents_only

app_name = "desk"

urlpatterns = [
    path("", agents_only(views.ticket_list, customers_to="portal:tickets"), name="queue"),
    path("tickets/", agents_only(views.ticket_list, customers_to="portal:tickets"), name="ticket-list"),
    path("tickets/bulk/", agents_only(views.bulk_action), name="bulk"),
    path(
        "tickets/<int:pk>/",
        agents_only(views.ticket_detail, customers_to="portal:ticket"),
        name="ticket-detail",
    ),
    path("tickets/<int:pk>/comment/", agents_only(views.ticket_comment), name="ticket-comment"),
    path("tickets/<int:pk>/macro/", agents_only(views.macro_preview), name="ticket-macro"),
    path("tickets/<int:pk>/transition/", agents_only(views.ticket_transition), name="ticket-transition"),
    path("tickets/<int:pk>/take/", agents_only(views.ticket_take), name="ticket-take"),
    path("tickets/<int:pk>/assign/", agents_only(views.ticket_assign), name="ticket-assign"),
    path("tickets/<int:pk>/tags/", agents_only(views.ticket_tags), name="ticket-tags"),
    path("tickets/<int:pk>/links/", agents_only(views.ticket_link), name="ticket-link"),
    path(
        "tickets/<int:pk>/links/<int:link_pk>/delete/", agents_only(views.ticket_unlink), name="ticket-unlink"
    ),
    path("tickets/<int:pk>/merge/", agents_only(views.ticket_merge), name="ticket-merge"),
    path("tickets/<int:pk>/version/", agents_only(views.ticket_version), name="ticket-version"),
    path("tickets/<int:pk>/changed/", agents_only(views.ticket_changed), name="ticket-changed"),
    path("views/counts/", agents_only(views.view_counts), name="view-counts"),
    path("tickets/count/", agents_only(views.queue_count), name="queue-count"),
    path("views/save/", agents_only(views.save_view), name="view-save"),
    path("views/<int:pk>/delete/", agents_only(views.delete_view), name="view-delete"),
    path("contact/", agents_only(views.log_contact), name="contact"),
    path("contact/callers/", agents_only(views.caller_search), name="callers"),
    path("reports/sla/", agents_only(views.sla_compliance), name="report-sla"),
]
