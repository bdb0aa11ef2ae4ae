from django.urls import path

from . import views

app_name = "desk"

urlpatterns = [
    path("", views.ticket_list, name="queue"),
    path("tickets/", views.ticket_list, name="ticket-list"),
    path("tickets/bulk/", views.bulk_action, name="bulk"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket-detail"),
    path("tickets/<int:pk>/comment/", views.ticket_comment, name="ticket-comment"),
    path("tickets/<int:pk>/macro/", views.macro_preview, name="ticket-macro"),
    path("tickets/<int:pk>/transition/", views.ticket_transition, name="ticket-transition"),
    path("tickets/<int:pk>/take/", views.ticket_take, name="ticket-take"),
    path("tickets/<int:pk>/assign/", views.ticket_assign, name="ticket-assign"),
    path("tickets/<int:pk>/tags/", views.ticket_tags, name="ticket-tags"),
    path("tickets/<int:pk>/links/", views.ticket_link, name="ticket-link"),
    path("tickets/<int:pk>/links/<int:link_pk>/delete/", views.ticket_unlink, name="ticket-unlink"),
    path("tickets/<int:pk>/merge/", views.ticket_merge, name="ticket-merge"),
    path("tickets/<int:pk>/version/", views.ticket_version, name="ticket-version"),
    path("tickets/<int:pk>/changed/", views.ticket_changed, name="ticket-changed"),
    path("views/counts/", views.view_counts, name="view-counts"),
    path("tickets/count/", views.queue_count, name="queue-count"),
    path("views/save/", views.save_view, name="view-save"),
    path("views/<int:pk>/delete/", views.delete_view, name="view-delete"),
    path("contact/", views.log_contact, name="contact"),
    path("contact/callers/", views.caller_search, name="callers"),
    path("reports/sla/", views.sla_compliance, name="report-sla"),
]
