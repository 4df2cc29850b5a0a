from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views, views_peers, views_tokens

app_name = "api"


class SchemaView(views.SchemaAccess, SpectacularAPIView):
    pass


class DocsView(views.SchemaAccess, SpectacularSwaggerSplitView):
    url_name = "api:schema"


urlpatterns = [
    # the street office's pages
    path("tokens/", views_tokens.TokenListView.as_view(), name="index"),
    path("tokens/", views_tokens.TokenListView.as_view(), name="token_list"),
    path("tokens/new/", views_tokens.TokenIssueView.as_view(), name="token_issue"),
    path("tokens/<int:pk>/", views_tokens.TokenDetailView.as_view(), name="token_detail"),
    path("tokens/<int:pk>/revoke/", views_tokens.TokenRevokeView.as_view(), name="token_revoke"),
    # the deployments linked to this one (api/federation.py)
    path("peers/", views_peers.PeerListView.as_view(), name="peer_list"),
    path("peers/new/", views_peers.PeerAddView.as_view(), name="peer_add"),
    path("peers/<int:pk>/deactivate/", views_peers.PeerDeactivateView.as_view(), name="peer_deactivate"),
    path("transfer/<int:pk>/", views_peers.TransferDownView.as_view(), name="transfer_down"),
    path("transfer/<int:pk>/retry/", views_peers.TransferRetryView.as_view(), name="transfer_retry"),
    path("arrival/<int:pk>/retry/", views_peers.ClosureRetryView.as_view(), name="closure_retry"),
    # the API, version 1
    path("v1/schema/", SchemaView.as_view(), name="schema"),
    path("v1/docs/", DocsView.as_view(), name="docs"),
    path("v1/leads/", views.LeadList.as_view(), name="leads"),
    path("v1/leads/<int:pk>/", views.LeadDetail.as_view(), name="lead"),
    path("v1/leads/<int:pk>/reveal/", views.LeadReveal.as_view(), name="lead_reveal"),
    path("v1/cases/", views.CaseList.as_view(), name="cases"),
    path("v1/cases/<int:pk>/", views.CaseDetail.as_view(), name="case"),
    path("v1/institutions/", views.InstitutionList.as_view(), name="institutions"),
    path("v1/institutions/<int:pk>/", views.InstitutionDetail.as_view(), name="institution"),
    path("v1/figures/", views.Figures.as_view(), name="figures"),
    path("v1/transfers/<path:reference>/closure/", views.TransferClosure.as_view(), name="transfer_closure"),
]
