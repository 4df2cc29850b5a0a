from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.CaseListView.as_view(), name="index"),
    path("typical/", views.TypicalCaseListView.as_view(), name="typical"),
    path("ledger/", views.LedgerListView.as_view(), name="ledger"),
    path("ledger/<int:pk>/reverse/", views.LedgerReverseView.as_view(), name="ledger_reverse"),
    path("new/", views.CaseCreateView.as_view(), name="create"),
    path("<int:pk>/", views.CaseDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.CaseUpdateView.as_view(), name="update"),
    path("<int:pk>/opinion-plan/", views.OpinionPlanView.as_view(), name="opinion_plan"),
    path("<int:pk>/step/<slug:verb>/", views.CaseStepView.as_view(), name="step"),
    path("<int:pk>/typical/<slug:verb>/", views.TypicalMarkView.as_view(), name="typical_mark"),
    path("<int:pk>/publicity/", views.PublicityClearView.as_view(), name="publicity_clear"),
    path("<int:pk>/publicity/withdraw/", views.PublicityWithdrawView.as_view(), name="publicity_withdraw"),
    path("<int:pk>/ledger/new/", views.LedgerAddView.as_view(), name="ledger_add"),
    path("<int:pk>/leads/link/", views.LinkLeadsView.as_view(), name="link_leads"),
]
