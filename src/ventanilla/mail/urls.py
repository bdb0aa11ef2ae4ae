from django.urls import path

from . import views

app_name = "mail"

urlpatterns = [
    path("resolution/<str:signed>/", views.resolution, name="resolution"),
    path("messages/<int:pk>/", views.message_view, name="message"),
]
