"""The street office's pages for the other Hulao deployments linked to this one (api/federation.py):
the list, adding and stopping a peer; transferring a lead down and sending a failed transfer again."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import IntegerField, OuterRef, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView

from core import rules
from core.views import ActionView
from core.visibility import visible_to
from leads.models import Lead

from . import federation
from .forms import PeerAddForm, PeerDeactivateForm, TransferDownForm, TransferRetryForm
from .models import Arrival, Peer, PeerDirection, Transfer, TransferState
from .views_tokens import TokenReaderMixin

#: How many failed deliveries of each kind the peers page lists (the counts are of all).
FAILED_LISTED = 100


class PeerListView(TokenReaderMixin, ListView):
    """The peers, each with how many deliveries to it failed and the last reason; then the failed
    deliveries themselves, each with 重新发送 (three queries however many)."""

    template_name = "api/peer_list.html"
    context_object_name = "peers"

    def get_queryset(self):
        user = self.request.user
        failed_transfers = visible_to(user, Transfer).filter(peer=OuterRef("pk"), state=TransferState.FAILED)
        failed_reports = visible_to(user, Arrival).filter(
            token=OuterRef("inbound_token"), report_state=TransferState.FAILED, reported_at__isnull=True
        )
        return (
            visible_to(user, Peer)
            .select_related("inbound_token", "created_by")
            .annotate(
                failed_down=_count(failed_transfers),
                failed_up=_count(failed_reports),
                error_down=Subquery(failed_transfers.order_by("-failed_at", "-pk").values("error")[:1]),
                error_up=Subquery(failed_reports.order_by("-report_failed_at", "-pk").values("report_error")[:1]),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        up_of_token = {p.inbound_token_id: p.name for p in context["peers"] if p.direction == PeerDirection.UP}
        transfers = (
            visible_to(user, Transfer)
            .filter(state=TransferState.FAILED)
            .select_related("lead", "peer")
            .order_by("-failed_at", "-pk")[:FAILED_LISTED]
        )
        reports = (
            visible_to(user, Arrival)
            .filter(report_state=TransferState.FAILED, reported_at__isnull=True)
            .select_related("lead")
            .order_by("-report_failed_at", "-pk")[:FAILED_LISTED]
        )
        failed = [FailedDelivery.of_transfer(t, user) for t in transfers]
        failed += [FailedDelivery.of_report(a, user, up_of_token.get(a.token_id, "")) for a in reports]
        failed.sort(key=lambda f: f.failed_at or _LONG_AGO, reverse=True)
        context.update(failed=failed, retry_days=federation.RETRY_FOR.days)
        return context


_LONG_AGO = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class FailedDelivery:
    """A failed transfer down or closure report up, as the peers page lists it; ``retry_url`` is
    empty when the user may not send it again."""

    key: str
    lead: Lead
    peer_name: str
    reference: str
    error: str
    failed_at: datetime.datetime | None
    attempts: int
    retry_at: datetime.datetime | None
    retry_url: str

    @classmethod
    def of_transfer(cls, t: Transfer, user) -> FailedDelivery:
        may = rules.check(user, "api.transfer_retry", t)
        url = reverse("api:transfer_retry", args=[t.pk]) + "?from=peers" if may else ""
        return cls(
            f"transfer-{t.pk}", t.lead, t.peer.name, t.reference, t.error, t.failed_at, t.attempts, t.retry_at, url
        )

    @classmethod
    def of_report(cls, a: Arrival, user, peer_name: str) -> FailedDelivery:
        may = rules.check(user, "api.closure_retry", a)
        url = reverse("api:closure_retry", args=[a.pk]) + "?from=peers" if may else ""
        return cls(
            f"report-{a.pk}",
            a.lead,
            peer_name,
            a.reference,
            a.report_error,
            a.report_failed_at,
            a.report_attempts,
            a.report_retry_at,
            url,
        )


class _Count(Subquery):
    """How many rows a correlated subquery has (one number per outer row)."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _rows)"
    output_field = IntegerField()


def _count(rows):
    return _Count(rows.order_by().values("pk"))


class PeerAddView(ActionView):
    model = None
    action = "api.peer_add"
    form_class = PeerAddForm
    success_message = _("已添加对接系统。")

    def cancel_url(self) -> str:
        return reverse("api:peer_list")

    def perform(self, form):
        return federation.peer_add(user=self.request.user, **form.service_kwargs())


class PeerDeactivateView(ActionView):
    model = Peer
    action = "api.peer_deactivate"
    form_class = PeerDeactivateForm
    success_message = _("已停用对接系统。")

    def perform(self, form):
        return federation.peer_deactivate(peer=self.object, user=self.request.user, reason=form.cleaned_data["reason"])


class TransferDownView(ActionView):
    model = Lead
    action = "api.transfer_down"
    form_class = TransferDownForm
    success_message = _("已转办，正在发送到下级系统。")

    def extra_form_kwargs(self):
        return {"lead": self.object}

    def perform(self, form):
        federation.transfer_down(lead=self.object, user=self.request.user, **form.service_kwargs())
        return self.object


class _SendAgainView(ActionView):
    """重新发送 from the lead's page goes back there; from the peers page (``?from=peers``) back to it."""

    form_class = TransferRetryForm
    success_message = _("已重新发送。")

    def cancel_url(self) -> str:
        if self.request.GET.get("from") == "peers":
            return reverse("api:peer_list")
        return self.object.lead.get_absolute_url()

    def get_success_url(self, result=None) -> str:
        return self.cancel_url()


class TransferRetryView(_SendAgainView):
    model = Transfer
    action = "api.transfer_retry"

    def perform(self, form):
        return federation.transfer_retry(
            transfer=self.object, user=self.request.user, reason=form.cleaned_data["reason"]
        )


class ClosureRetryView(_SendAgainView):
    model = Arrival
    action = "api.closure_retry"

    def perform(self, form):
        return federation.closure_retry(arrival=self.object, user=self.request.user, reason=form.cleaned_data["reason"])
