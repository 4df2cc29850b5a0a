from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from reports.views import DashboardView

# the admin is titled as the app (not "Django administration"), in the user's language
admin.site.site_header = _("护老 · 后台管理")
admin.site.site_title = _("护老后台")
admin.site.index_title = _("后台管理")

urlpatterns = [
    path("", DashboardView.as_view(), name="dashboard"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("core.urls")),
    path("org/", include("organization.urls")),
    path("leads/", include("leads.urls")),
    path("tip/", include("leads.public_urls")),
    path("cases/", include("cases.urls")),
    path("rectification/", include("rectification.urls")),
    path("publicity/", include("publicity.urls")),
    path("reports/", include("reports.urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]
