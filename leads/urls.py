from django.urls import path

from . import views

app_name = "leads"

urlpatterns = [
    path("", views.LeadListView.as_view(), name="index"),
    path("new/", views.LeadCreateView.as_view(), name="create"),
    path("higher/", views.HigherReportView.as_view(), name="higher"),
    path("city/", views.CityTransferListView.as_view(), name="city"),
    path("city/transfer/", views.TransferView.as_view(), name="transfer"),
    path("city/import/", views.TransferImportView.as_view(), name="transfer_import"),
    path("city/import/template.xlsx", views.transfer_import_template, name="transfer_import_template"),
    path("deadlines/", views.DeadlineBoardView.as_view(), name="deadlines"),
    path("related/", views.RelatedSuggestView.as_view(), name="related"),
    path("reveals/", views.RevealLogView.as_view(), name="reveal_log"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("<int:pk>/", views.LeadDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.LeadUpdateView.as_view(), name="update"),
    path("<int:pk>/informant/", views.RevealInformantView.as_view(), name="reveal"),
    path("<int:pk>/receipt/", views.IssueReceiptView.as_view(), name="issue_receipt"),
    path("<int:pk>/<slug:action>/", views.LeadActionView.as_view(), name="action"),
]
