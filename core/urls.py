from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("files/<int:pk>/", views.attachment_download, name="attachment"),
    path("ping/", views.ping, name="ping"),
    path("healthz/", views.healthz, name="healthz"),
]
