"""The admin site is the superuser's: the street office keeps units, people and rights on its own
pages (organization), so ``is_staff`` alone no longer opens ``/admin/``."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class HulaoAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)


class HulaoAdminConfig(AdminConfig):
    default_site = "core.admin_site.HulaoAdminSite"
