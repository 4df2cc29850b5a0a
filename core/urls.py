from django.urls import path

from . import views, views_calendar, views_jobs, views_outbox

app_name = "core"

urlpatterns = [
    path("files/<int:pk>/", views.attachment_download, name="attachment"),
    path("shown/<str:key>/", views.shown, name="shown"),
    path("ping/", views.ping, name="ping"),
    path("healthz/", views.healthz, name="healthz"),
    path("jobs/", views_jobs.JobListView.as_view(), name="jobs"),
    path("jobs/<int:pk>/", views_jobs.JobDetailView.as_view(), name="job"),
    path("jobs/<int:pk>/status/", views_jobs.job_status, name="job_status"),
    path("jobs/<int:pk>/file/", views_jobs.job_file, name="job_file"),
    path("outbox/", views_outbox.OutboxListView.as_view(), name="outbox"),
    path("outbox/<int:pk>/", views_outbox.OutboxDetailView.as_view(), name="outbox_detail"),
    path("outbox/<int:pk>/html/", views_outbox.outbox_html, name="outbox_html"),
    path("outbox/<int:pk>/retry/", views_outbox.OutboxRetryView.as_view(), name="outbox_retry"),
    path("calendar/", views_calendar.CalendarView.as_view(), name="calendar"),
    path("calendar/enter/", views_calendar.CalendarEnterView.as_view(), name="calendar_enter"),
]
