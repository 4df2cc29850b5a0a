from django.conf import settings

from .visibility import scope_of


def hulao(request):
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.HULAO_SITE_NAME,
        "scope": scope_of(user),
    }
