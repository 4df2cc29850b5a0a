from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("todo/count/", views.todo_count, name="todo_count"),
    path("submissions/", views.SubmissionListView.as_view(), name="submission_list"),
    path("submissions/start/", views.SubmissionStartView.as_view(), name="submission_start"),
    path("submissions/<int:pk>/", views.SubmissionDetailView.as_view(), name="submission_detail"),
    path("submissions/<int:pk>/<slug:action>/", views.SubmissionActionView.as_view(), name="submission_action"),
    path("monthly/", views.ReportListView.as_view(), name="report_list"),
    path("monthly/generate/", views.ReportGenerateView.as_view(), name="report_generate"),
    path("monthly/preview/", views.ReportPreviewView.as_view(), name="report_preview"),
    path("monthly/<int:pk>/", views.ReportDetailView.as_view(), name="report_detail"),
    path("monthly/<int:pk>/status/", views.report_status, name="report_status"),
    path("monthly/<int:pk>/download/", views.report_download, name="report_download"),
    path("monthly/<int:pk>/regenerate/", views.ReportRegenerateView.as_view(), name="report_regenerate"),
    path("monthly/<int:pk>/retry-mail/", views.ReportMailView.as_view(), name="report_mail_retry"),
    path("recipients/", views.RecipientListView.as_view(), name="recipient_list"),
    path("recipients/add/", views.RecipientAddView.as_view(), name="recipient_add"),
    path("recipients/<int:pk>/edit/", views.RecipientEditView.as_view(), name="recipient_edit"),
    path(
        "recipients/<int:pk>/deactivate/", views.RecipientActiveView.as_view(active=False), name="recipient_deactivate"
    ),
    path("recipients/<int:pk>/activate/", views.RecipientActiveView.as_view(active=True), name="recipient_activate"),
    path("scorecard/", views.ScorecardView.as_view(), name="scorecard"),
    path("scorecard/<int:pk>/threshold/", views.ScorecardThresholdView.as_view(), name="scorecard_threshold"),
    path("supervision/", views.SupervisionListView.as_view(), name="supervision_list"),
    path("supervision/add/", views.SupervisionAddView.as_view(), name="supervision_add"),
    path("supervision/<int:pk>/", views.SupervisionDetailView.as_view(), name="supervision_detail"),
    path("supervision/<int:pk>/edit/", views.SupervisionEditView.as_view(), name="supervision_edit"),
    path("supervision/<int:pk>/report/", views.SupervisionReportView.as_view(), name="supervision_report"),
    path("supervision/<int:pk>/confirm/", views.SupervisionConfirmView.as_view(), name="supervision_confirm"),
    path("supervision/<int:pk>/return/", views.SupervisionReturnView.as_view(), name="supervision_return"),
    path("summary/", views.SummaryEditView.as_view(), name="summary_edit"),
    path("summary/report/", views.SummaryReportView.as_view(), name="summary_report"),
]
