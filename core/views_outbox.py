"""The outbox (发件箱): the street office reads every e-mail the app sent or tried to send, with
its state, recipients and body, and sends a failed or pending one again (``core.mail_retry``).

The list also names the units no e-mail reaches (no address of their own, no liaison or person
with one: ``settings.OUTBOX_UNREACHABLE_UNITS``, a function returning them), so that the street
office adds an address.

The page is for who may send again (``core.mail_rules.may_read_outbox``); rows come from
``visible_to`` all the same. An e-mail's HTML part is never rendered into the page: it is shown
as escaped source and, for a preview, in a sandboxed iframe whose own response forbids scripts.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from . import mail
from .choices import MailStatus
from .mail_rules import may_read_outbox
from .models import OutboundEmail
from .views import ActionView, ScopedDetailView, ScopedListView
from .visibility import visible_to


class OutboxFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=MailStatus.choices, empty_label=_("全部"))

    class Meta:
        model = OutboundEmail
        fields = ["status"]


class OutboxReaderMixin:
    """The outbox pages are for who may send again (the street office): 403 for everyone else."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_read_outbox(request.user):
            raise PermissionDenied(_("发件箱仅供街道专项办查看。"))
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class OutboxListView(OutboxReaderMixin, ScopedListView):
    model = OutboundEmail
    filterset_class = OutboxFilter
    template_name = "core/outbox_list.html"
    paginate_by = 50

    def get_queryset(self):
        return super().get_queryset().defer("body_text", "body_html", "attachment").order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["unreachable"] = unreachable_units(self.request.user)
        return context


def unreachable_units(user: Any = None) -> list:
    """The units no e-mail reaches (``settings.OUTBOX_UNREACHABLE_UNITS``; in a city, of the
    user's own street); none when unset."""
    path = getattr(settings, "OUTBOX_UNREACHABLE_UNITS", "")
    return list(import_string(path)(user=user)) if path else []


class OutboxDetailView(OutboxReaderMixin, ScopedDetailView):
    model = OutboundEmail
    template_name = "core/outbox_detail.html"
    context_object_name = "mail"

    def get_queryset(self):
        return super().get_queryset().defer("attachment")


#: The HTML part's own policy: no script, no request anywhere, shown only in a frame of this site.
PREVIEW_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox"


def outbox_html(request, pk: int):
    """The HTML part of one e-mail, for the sandboxed preview: no script, no request anywhere."""
    if not request.user.is_authenticated or not may_read_outbox(request.user):
        raise PermissionDenied(_("发件箱仅供街道专项办查看。"))
    row = get_object_or_404(visible_to(request.user, OutboundEmail).only("pk", "body_html"), pk=pk)
    response = HttpResponse(row.body_html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = PREVIEW_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cache-Control"] = "no-store"
    return response


class OutboxRetryView(ActionView):
    """Send a failed or pending e-mail again (the same e-mail, attempts reset)."""

    model = OutboundEmail
    action = "core.mail_retry"
    form_class = forms.Form
    success_message = _("已重新排队发送。")

    def get_queryset(self):
        return super().get_queryset().defer("attachment")

    def perform(self, form):
        return mail.send_again(self.object, user=self.request.user)

    def cancel_url(self) -> str:
        return reverse("core:outbox_detail", args=[self.object.pk])

    def get_success_url(self, result=None) -> str:
        return reverse("core:outbox_detail", args=[self.object.pk])
