from django.urls import path

from . import views

app_name = "organization"

urlpatterns = [
    path("units/", views.UnitListView.as_view(), name="unit_list"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit_detail"),
]

# --- campaigns (views_campaigns.py) ---------------------------------------------------------------
from . import views_campaigns  # noqa: E402

urlpatterns += [
    path("campaigns/", views_campaigns.CampaignListView.as_view(), name="campaign_list"),
    path("campaigns/new/", views_campaigns.CampaignCreateView.as_view(), name="campaign_create"),
    path("campaigns/<int:pk>/", views_campaigns.CampaignDetailView.as_view(), name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", views_campaigns.CampaignEditView.as_view(), name="campaign_edit"),
    path("campaigns/<int:pk>/copy/", views_campaigns.CampaignCopyView.as_view(), name="campaign_copy"),
]
