"""The street office's pages for the other Hulao deployments linked to this one (api/federation.py):
the list, adding and stopping a peer; transferring a lead down and sending a failed transfer again."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView

from core.views import ActionView
from core.visibility import visible_to
from leads.models import Lead

from . import federation
from .forms import PeerAddForm, PeerDeactivateForm, TransferDownForm, TransferRetryForm
from .models import Arrival, Peer, Transfer
from .views_tokens import TokenReaderMixin


class PeerListView(TokenReaderMixin, ListView):
    template_name = "api/peer_list.html"
    context_object_name = "peers"

    def get_queryset(self):
        return visible_to(self.request.user, Peer).select_related("inbound_token", "created_by")


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


class TransferRetryView(ActionView):
    model = Transfer
    action = "api.transfer_retry"
    form_class = TransferRetryForm
    success_message = _("已重新发送。")

    def cancel_url(self) -> str:
        return self.object.lead.get_absolute_url()

    def perform(self, form):
        federation.transfer_retry(transfer=self.object, user=self.request.user, reason=form.cleaned_data["reason"])
        return self.object.lead


class ClosureRetryView(ActionView):
    model = Arrival
    action = "api.closure_retry"
    form_class = TransferRetryForm
    success_message = _("已重新发送。")

    def cancel_url(self) -> str:
        return self.object.lead.get_absolute_url()

    def perform(self, form):
        federation.closure_retry(arrival=self.object, user=self.request.user, reason=form.cleaned_data["reason"])
        return self.object.lead
