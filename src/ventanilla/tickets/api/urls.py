from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register(r"tickets/(?P<ticket_pk>\d+)/comments", views.CommentViewSet, basename="ticket-comments")
router.register(
    r"tickets/(?P<ticket_pk>\d+)/attachments", views.AttachmentViewSet, basename="ticket-attachments"
)
router.register(r"tickets/(?P<ticket_pk>\d+)/timeline", views.TimelineViewSet, basename="ticket-timeline")
router.register(r"tickets/(?P<ticket_pk>\d+)/links", views.LinkViewSet, basename="ticket-links")
router.register("queues", views.QueueViewSet, basename="queue")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("tags", views.TagViewSet, basename="tag")
router.register("priority-matrix", views.PriorityMatrixViewSet, basename="priority-matrix")

urlpatterns = router.urls
