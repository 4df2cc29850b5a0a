from django.urls import path

from . import views

app_name = "publicity"

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("activities/", views.ActivityListView.as_view(), name="activity_list"),
    path("activities/new/", views.ActivityCreateView.as_view(), name="activity_create"),
    path("activities/<int:pk>/", views.ActivityDetailView.as_view(), name="activity_detail"),
    path("activities/<int:pk>/edit/", views.ActivityUpdateView.as_view(), name="activity_update"),
    path("typical-cases/", views.TypicalCaseListView.as_view(), name="typical_cases"),
    path("surveys/", views.SurveyListView.as_view(), name="survey_list"),
    path("surveys/new/", views.SurveyCreateView.as_view(), name="survey_create"),
    path("surveys/<int:pk>/", views.SurveyDetailView.as_view(), name="survey_detail"),
    path("surveys/<int:pk>/edit/", views.SurveyUpdateView.as_view(), name="survey_update"),
    path("media/", views.MediaReportListView.as_view(), name="media_list"),
    path("media/new/", views.MediaReportCreateView.as_view(), name="media_create"),
    path("media/<int:pk>/", views.MediaReportDetailView.as_view(), name="media_detail"),
    path("media/<int:pk>/edit/", views.MediaReportUpdateView.as_view(), name="media_update"),
    path("opinion/", views.OpinionListView.as_view(), name="opinion_list"),
    path("opinion/new/", views.OpinionCreateView.as_view(), name="opinion_create"),
    path("opinion/<int:pk>/", views.OpinionDetailView.as_view(), name="opinion_detail"),
    path("opinion/<int:pk>/edit/", views.OpinionUpdateView.as_view(), name="opinion_update"),
    path("opinion/<int:pk>/follow-up/", views.OpinionFollowUpView.as_view(), name="opinion_follow_up"),
    path("opinion/<int:pk>/escalate/", views.OpinionEscalateView.as_view(), name="opinion_escalate"),
]
