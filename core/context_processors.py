from django.conf import settings
from django.contrib import admin

from .visibility import scope_of


def hulao(request):
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.HULAO_SITE_NAME,
        "scope": scope_of(user),
        # the admin link: only for whom the admin site opens (superusers, core.admin_site)
        "may_admin": bool(user is not None and user.is_authenticated and admin.site.has_permission(request)),
    }
