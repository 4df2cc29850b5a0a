"""The public tip pages, mounted at /tip/ (no login)."""

from django.urls import path

from . import views

app_name = "tip"

urlpatterns = [
    path("", views.TipView.as_view(), name="form"),
    path("done/", views.tip_done, name="done"),
    path("query/", views.ReceiptView.as_view(), name="receipt"),
    path("status/", views.PublicStatusView.as_view(), name="status"),
    path("leave/", views.public_leave, name="leave"),
]
