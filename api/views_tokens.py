"""The street office's pages for API tokens: list, issue (the secret shown once), a token's
recent calls, revoke."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django.views.generic import ListView

from core import once
from core.views import ActionView, ScopedDetailView
from core.visibility import visible_to

from . import rules as api_rules
from . import services
from .forms import TokenIssueForm, TokenRevokeForm
from .models import ApiCall, ApiToken

#: How many calls a token's page lists.
RECENT_CALLS = 100


class TokenReaderMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not api_rules.may_read_tokens(request.user):
            raise PermissionDenied(_("只有街道专项办可以管理接口令牌。"))
        return super().dispatch(request, *args, **kwargs)


class TokenListView(TokenReaderMixin, ListView):
    template_name = "api/token_list.html"
    context_object_name = "tokens"
    paginate_by = 50

    def get_queryset(self):
        return visible_to(self.request.user, ApiToken).select_related("unit", "created_by")


class TokenDetailView(TokenReaderMixin, ScopedDetailView):
    model = ApiToken
    template_name = "api/token_detail.html"
    context_object_name = "token"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "user", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["calls"] = list(visible_to(self.request.user, ApiCall).filter(token=self.object)[:RECENT_CALLS])
        return context


class TokenIssueView(ActionView):
    model = None
    action = "api.token_issue"
    form_class = TokenIssueForm
    success_message = _("已签发接口令牌。")

    def cancel_url(self) -> str:
        return reverse("api:token_list")

    def perform(self, form):
        return services.token_issue(user=self.request.user, **form.service_kwargs())

    def done(self, result):
        token, secret = result
        super().done(token)
        return once.show_once(
            self.request,
            template="api/token_shown.html",
            obj=token,
            name="token",
            context={"secret": secret},
            gone=gettext_noop("令牌只显示一次，已显示过。如已遗忘，请吊销该令牌并重新签发。"),
        )


class TokenRevokeView(ActionView):
    model = ApiToken
    action = "api.token_revoke"
    form_class = TokenRevokeForm
    success_message = _("令牌已吊销。")

    def perform(self, form):
        return services.token_revoke(token=self.object, user=self.request.user, reason=form.cleaned_data["reason"])
