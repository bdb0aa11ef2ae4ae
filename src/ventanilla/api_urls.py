"""REST API v1: one router; each app contributes its viewsets from ``<app>/api/urls.py``."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its initialisation script as a file, so the strict CSP (script-src self) holds.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include("ventanilla.accounts.api.urls")),
    path("", include("ventanilla.catalog.api.urls")),
    path("", include("ventanilla.tickets.api.urls")),
    path("", include("ventanilla.sla.api.urls")),
    path("", include("ventanilla.mail.api.urls")),
]
