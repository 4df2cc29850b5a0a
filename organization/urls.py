from django.urls import path

from . import views

app_name = "organization"

urlpatterns = [
    path("units/", views.UnitListView.as_view(), name="unit_list"),
    path("units/add/", views.UnitAddView.as_view(), name="unit_add"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit_detail"),
    path("units/<int:pk>/edit/", views.UnitEditView.as_view(), name="unit_edit"),
    path("units/<int:pk>/deactivate/", views.UnitActiveView.as_view(active=False), name="unit_deactivate"),
    path("units/<int:pk>/activate/", views.UnitActiveView.as_view(active=True), name="unit_activate"),
    path("people/", views.PersonListView.as_view(), name="person_list"),
    path("people/add/", views.PersonAddView.as_view(), name="person_add"),
    path("people/<int:pk>/", views.PersonDetailView.as_view(), name="person_detail"),
    path("people/<int:pk>/edit/", views.PersonEditView.as_view(), name="person_edit"),
    path("people/<int:pk>/deactivate/", views.PersonActiveView.as_view(active=False), name="person_deactivate"),
    path("people/<int:pk>/activate/", views.PersonActiveView.as_view(active=True), name="person_activate"),
    path("people/<int:pk>/password/", views.PersonResetPasswordView.as_view(), name="person_reset_password"),
    path("people/<int:pk>/password/shown/", views.PasswordOnceView.as_view(), name="password_once"),
    path("grants/", views.GrantListView.as_view(), name="grant_list"),
    path("grants/<int:pk>/grant/", views.GrantRevealView.as_view(), name="grant_reveal"),
    path("grants/<int:pk>/withdraw/", views.WithdrawRevealView.as_view(), name="withdraw_reveal"),
]

# --- campaigns (views_campaigns.py) ---------------------------------------------------------------
from . import views_campaigns  # noqa: E402

urlpatterns += [
    path("campaigns/", views_campaigns.CampaignListView.as_view(), name="campaign_list"),
    path("campaigns/new/", views_campaigns.CampaignCreateView.as_view(), name="campaign_create"),
    path("campaigns/<int:pk>/", views_campaigns.CampaignDetailView.as_view(), name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", views_campaigns.CampaignEditView.as_view(), name="campaign_edit"),
    path("campaigns/<int:pk>/copy/", views_campaigns.CampaignCopyView.as_view(), name="campaign_copy"),
    path("campaigns/<int:pk>/implement/", views_campaigns.CampaignImplementView.as_view(), name="campaign_implement"),
]

# --- the city's streets (views_streets.py, issue 19) ------------------------------------------------
from . import views_streets  # noqa: E402

urlpatterns += [
    path("streets/", views_streets.StreetListView.as_view(), name="street_list"),
    path("streets/add/", views_streets.StreetAddView.as_view(), name="street_add"),
    path("streets/<int:pk>/", views_streets.StreetDetailView.as_view(), name="street_detail"),
    path("streets/<int:pk>/edit/", views_streets.StreetEditView.as_view(), name="street_edit"),
    path("streets/<int:pk>/deactivate/", views_streets.StreetDeactivateView.as_view(), name="street_deactivate"),
    path("streets/<int:pk>/reactivate/", views_streets.StreetReactivateView.as_view(), name="street_reactivate"),
    path("streets/<int:pk>/staff/add/", views_streets.StreetStaffAddView.as_view(), name="street_staff_add"),
]
