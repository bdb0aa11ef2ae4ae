from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("services", views.ServiceViewSet, basename="service")

urlpatterns = router.urls

# Catalogue items and the answers stored on request tickets (catalog/api/items.py).
from django.urls import path  # noqa: E402

from . import items  # noqa: E402

router.register("catalog-items", items.CatalogItemViewSet, basename="catalog-item")
router.register("catalog-item-fields", items.CatalogItemFieldViewSet, basename="catalog-item-field")
urlpatterns = [
    *router.urls,
    path("tickets/<int:id>/answers/", items.TicketAnswersView.as_view(), name="ticket-answers"),
]
