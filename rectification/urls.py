from django.urls import path

from . import views

app_name = "rectification"

urlpatterns = [
    path("", views.InstitutionListView.as_view(), name="index"),
    path("institutions/new/", views.InstitutionCreateView.as_view(), name="institution_create"),
    path("institutions/import/", views.ImportView.as_view(), name="institution_import"),
    path("institutions/import/template.xlsx", views.ImportTemplateView.as_view(), name="import_template"),
    path("institutions/<int:pk>/", views.InstitutionDetailView.as_view(), name="institution_detail"),
    path("institutions/<int:pk>/edit/", views.InstitutionUpdateView.as_view(), name="institution_update"),
    path("institutions/<int:pk>/grade/", views.InstitutionGradeView.as_view(), name="institution_grade"),
    path("institutions/<int:pk>/inspect/", views.InspectionCreateView.as_view(), name="inspection_create"),
    path("institutions/<int:pk>/problems/new/", views.ProblemCreateView.as_view(), name="problem_create"),
    path("institutions/<int:pk>/plans/new/", views.PlanCreateView.as_view(), name="plan_create"),
    path("institutions/<int:pk>/supervisor/", views.SupervisorOverrideView.as_view(), name="institution_supervisor"),
    path("plans/missing/", views.PlansMissingListView.as_view(), name="plans_missing"),
    path("sectors/", views.SectorListView.as_view(), name="sectors"),
    path("sectors/edit/", views.SectorEditView.as_view(), name="sectors_edit"),
    path("control/", views.ControlListView.as_view(), name="control_list"),
    path("overdue/", views.OverdueInspectionListView.as_view(), name="overdue_list"),
    path("inspections/", views.InspectionListView.as_view(), name="inspection_list"),
    path("problems/", views.ProblemListView.as_view(), name="problem_list"),
    path("problems/<int:pk>/", views.ProblemDetailView.as_view(), name="problem_detail"),
    path("problems/<int:pk>/measures/", views.MeasureAddView.as_view(), name="measure_add"),
    path(
        "problems/<int:pk>/measures/<int:measure_pk>/done/",
        views.MeasureCompleteView.as_view(),
        name="measure_complete",
    ),
    path("problems/<int:pk>/<slug:action>/", views.ProblemTransitionView.as_view(), name="problem_transition"),
    path("plans/", views.PlanListView.as_view(), name="plan_list"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/edit/", views.PlanUpdateView.as_view(), name="plan_update"),
    path("plans/<int:pk>/status/", views.PlanStatusView.as_view(), name="plan_status"),
]
