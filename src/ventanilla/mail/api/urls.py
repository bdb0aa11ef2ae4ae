from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("mail/messages", views.InboundMessageViewSet, basename="mail-message")

urlpatterns = router.urls
