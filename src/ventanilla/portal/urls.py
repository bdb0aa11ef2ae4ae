from django.urls import path

from .views import auth, catalog, tickets

app_name = "portal"

urlpatterns = [
    path("", tickets.home, name="home"),
    path("sign-in/", auth.sign_in, name="sign-in"),
    path("sign-in/link/sent/", auth.sign_in_link_sent, name="sign-in-link-sent"),
    path("sign-in/link/<str:token>/", auth.sign_in_link, name="sign-in-link"),
    path("sign-up/", auth.sign_up, name="sign-up"),
    path("sign-up/sent/", auth.sign_up_sent, name="sign-up-sent"),
    path("sign-up/confirm/<str:token>/", auth.confirm_email, name="confirm-email"),
    path("password/reset/", auth.password_reset, name="password-reset"),
    path("password/reset/sent/", auth.password_reset_sent, name="password-reset-sent"),
    path(
        "password/reset/<uidb64>/<token>/", auth.PasswordResetConfirm.as_view(), name="password-reset-confirm"
    ),
    path("language/", auth.set_language, name="language"),
    path("new/<slug:kind>/", tickets.new_ticket, name="new-ticket"),
    path("catalogue/", catalog.catalog, name="catalog"),
    path("catalogue/<int:pk>/", catalog.catalog_item, name="catalog-item"),
    path("tickets/", tickets.ticket_list, name="tickets"),
    path("tickets/<int:pk>/", tickets.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/reply/", tickets.ticket_reply, name="ticket-reply"),
    path("tickets/<int:pk>/files/<int:attachment_id>/", tickets.attachment, name="attachment"),
    path("tickets/<int:pk>/<slug:action>/", tickets.ticket_action, name="ticket-action"),
]
