from django.urls import path

from . import views, views_calendar, views_outbox

app_name = "core"

urlpatterns = [
    path("files/<int:pk>/", views.attachment_download, name="attachment"),
    path("shown/<str:key>/", views.shown, name="shown"),
    path("ping/", views.ping, name="ping"),
    path("healthz/", views.healthz, name="healthz"),
    path("outbox/", views_outbox.OutboxListView.as_view(), name="outbox"),
    path("outbox/<int:pk>/", views_outbox.OutboxDetailView.as_view(), name="outbox_detail"),
    path("outbox/<int:pk>/html/", views_outbox.outbox_html, name="outbox_html"),
    path("outbox/<int:pk>/retry/", views_outbox.OutboxRetryView.as_view(), name="outbox_retry"),
    path("calendar/", views_calendar.CalendarView.as_view(), name="calendar"),
    path("calendar/enter/", views_calendar.CalendarEnterView.as_view(), name="calendar_enter"),
]
