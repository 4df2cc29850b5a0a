"""The API (/api/v1/): read leads, cases, institutions and figures within the token's scope,
file a lead, reveal an informant with the right. Every call is logged (``ApiCall``).

Each view starts from ``visible_to(token user, Model)``, so an object outside the token's scope
is a 404 as on the web; writes go through the areas' services and their rules."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, permissions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import Case
from core.exceptions import DomainError
from core.net import client_ip
from core.rules import Refused
from core.visibility import visible_to
from leads import services as lead_services
from leads.models import Lead
from organization.models import Campaign
from rectification.models import Institution
from reports import selectors as report_selectors

from . import federation, serializers, services
from .authentication import ApiTokenAuthentication
from .models import ApiToken, TokenRight
from .throttling import ApiThrottled, TokenRateThrottle

SUPPORTED_LANGUAGES = ("zh-hans", "en")


def api_language(request) -> str:
    """Chinese unless the caller asks for English (``Accept-Language: en``): a system has no
    language cookie, so the API reads the header the web pages ignore."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for part in header.split(","):
        code = part.split(";")[0].strip().lower()
        if code.startswith("en"):
            return "en"
        if code.startswith("zh"):
            return "zh-hans"
    return "zh-hans"


class HasTokenRight(permissions.BasePermission):
    """The token holds the right the view asks for (``required_right``; ``read`` for reads)."""

    message = _("该令牌没有此项权限。")

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        right = view.required_right(request) if hasattr(view, "required_right") else TokenRight.READ
        return token.has_right(right)


class CallLog:
    """Every call in ``ApiCall`` (token, method, path, status, time, address; never a body), in
    the caller's language (``Accept-Language``)."""

    def initial(self, request, *args, **kwargs):
        translation.activate(api_language(request))
        return super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        token = getattr(request, "_auth", None)
        services.record_call(
            token=token if isinstance(token, ApiToken) else None,
            method=request.method,
            path=request.get_full_path(),
            status=response.status_code,
            address=client_ip(request._request),
        )
        response["Content-Language"] = translation.get_language()
        response.setdefault("Cache-Control", "no-store")
        return response


class ApiBase(CallLog):
    """What every API view shares: token authentication, rights, rate limit, the log."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [permissions.IsAuthenticated, HasTokenRight]
    throttle_classes = [TokenRateThrottle]

    def throttled(self, request, wait):
        raise ApiThrottled(wait)


class Pagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500


def _parse_since(value: str) -> datetime.datetime:
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            message = gettext("时间格式无效，应为 ISO 8601，如 2026-01-31 或 2026-01-31T08:00:00+08:00。")
            raise exceptions.ValidationError({"updated_since": [message]})
        moment = datetime.datetime.combine(day, datetime.time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


LIST_PARAMETERS = [
    OpenApiParameter("status", str, description="状态（可用逗号分隔多个）"),
    OpenApiParameter("updated_since", str, description="只列出此时间以后更新的记录（ISO 8601）"),
]


class ScopedList(ApiBase, generics.ListAPIView):
    """A list of what the token's user may see, newest first, filtered by ``status`` and
    ``updated_since``."""

    model: type = Lead
    status_field = "status"
    pagination_class = Pagination

    def get_queryset(self):
        qs = visible_to(self.request.user, self.model)
        params = self.request.query_params
        if params.get("status"):
            qs = qs.filter(**{f"{self.status_field}__in": [s for s in params["status"].split(",") if s]})
        if params.get("updated_since"):
            qs = qs.filter(updated_at__gte=_parse_since(params["updated_since"]))
        return qs.order_by("-pk")


class ScopedDetail(ApiBase, generics.RetrieveAPIView):
    model: type = Lead

    def get_queryset(self):
        return visible_to(self.request.user, self.model)


def domain_error(exc: DomainError) -> exceptions.ValidationError:
    """A service's refusal (Chinese, or the caller's language) in DRF's error format."""
    return exceptions.ValidationError({exc.field or "non_field_errors": [str(exc.message)]}, code=exc.code)


@extend_schema(tags=["leads"], parameters=LIST_PARAMETERS)
class LeadList(ScopedList):
    """Leads in the token's scope (never an informant's identity)."""

    model = Lead
    serializer_class = serializers.LeadSerializer

    def required_right(self, request) -> str:
        return TokenRight.CREATE_LEAD if request.method == "POST" else TokenRight.READ

    @extend_schema(
        request=serializers.LeadCreateSerializer,
        responses={201: serializers.LeadSerializer, 200: serializers.LeadSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                location=OpenApiParameter.HEADER,
                description="同一键再次提交时返回首次登记的线索（200），不重复登记",
            )
        ],
    )
    def post(self, request, *args, **kwargs):
        """File a lead (a 12345 hotline's work order, a 网格 report, a higher office's referral)
        through the staff intake and its checks, as the token's unit. The same call again (the
        same ``Idempotency-Key``, or for 上级转办 the same ``higher_reference``) answers with the
        first lead (200) instead of filing a second."""
        form = serializers.LeadCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        token: ApiToken = request.auth
        try:
            lead, created = federation.receive_lead(
                token=token,
                data=form.intake_data(),
                key=request.headers.get("Idempotency-Key", ""),
                reason=gettext("通过接口“%(name)s”登记") % {"name": token.name},
            )
        except DomainError as exc:
            raise domain_error(exc)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        except Refused as exc:
            raise exceptions.PermissionDenied(str(exc))
        return Response(
            serializers.LeadSerializer(lead).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


@extend_schema(tags=["leads"])
class LeadDetail(ScopedDetail):
    model = Lead
    serializer_class = serializers.LeadSerializer


@extend_schema(tags=["leads"], request=serializers.RevealSerializer, responses=serializers.InformantSerializer)
class LeadReveal(ApiBase, APIView):
    """The informant's identity of a named tip: only for a token with the reveal right whose
    service user holds 查看举报人身份 (street office), with a reason; logged like the web reveal."""

    def required_right(self, request) -> str:
        return TokenRight.REVEAL

    def post(self, request, pk: int):
        lead = get_object_or_404(visible_to(request.user, Lead), pk=pk)
        form = serializers.RevealSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            identity = lead_services.lead_reveal_informant(
                lead=lead, user=request.user, reason=form.validated_data["reason"]
            )
        except Refused as exc:
            raise exceptions.PermissionDenied(str(exc))
        except DomainError as exc:
            raise domain_error(exc)
        return Response(identity)


@extend_schema(tags=["cases"], parameters=LIST_PARAMETERS)
class CaseList(ScopedList):
    """Cases in the token's scope; ``status`` filters by the step (办理环节)."""

    model = Case
    status_field = "step"
    serializer_class = serializers.CaseSerializer


@extend_schema(tags=["cases"])
class CaseDetail(ScopedDetail):
    model = Case
    serializer_class = serializers.CaseSerializer


@extend_schema(tags=["institutions"], parameters=LIST_PARAMETERS)
class InstitutionList(ScopedList):
    model = Institution
    serializer_class = serializers.InstitutionSerializer


@extend_schema(tags=["institutions"])
class InstitutionDetail(ScopedDetail):
    model = Institution
    serializer_class = serializers.InstitutionSerializer


@extend_schema(
    tags=["figures"],
    parameters=[
        OpenApiParameter("start", datetime.date, description="起始日期（默认：当前专项行动开始日）"),
        OpenApiParameter("end", datetime.date, description="截止日期（默认：今天）"),
    ],
    responses=serializers.FiguresSerializer,
)
class Figures(ApiBase, APIView):
    """The report's figures (``reports.selectors.section_figures``) for a date window, for the
    token's scope: the whole street for the street office, else the token's unit and the groups
    it hosts."""

    def get(self, request):
        today = timezone.localdate()
        params = request.query_params
        start = parse_date(params.get("start") or "") if params.get("start") else None
        end = parse_date(params.get("end") or "") if params.get("end") else today
        if (params.get("start") and start is None) or end is None:
            raise exceptions.ValidationError({"start": [gettext("日期格式无效，应为 YYYY-MM-DD。")]})
        if start is None:
            campaign = Campaign.objects.shown(user=request.user)
            start = campaign.start_date if campaign else end.replace(month=1, day=1)
        if start > end:
            raise exceptions.ValidationError({"start": [gettext("起始日期不能晚于截止日期。")]})
        scope = request.user.scope
        units = None if scope.sees_all else sorted(scope.unit_ids)
        sections = report_selectors.section_figures(start=start, end=end, units=units, today=today)
        return Response({"start": start, "end": end, "units": units, "sections": sections})


@extend_schema(
    tags=["federation"], request=serializers.ClosureSerializer, responses=serializers.ClosureReceiptSerializer
)
class TransferClosure(ApiBase, APIView):
    """A lower Hulao deployment reports the closure of a lead we transferred to it (the reference
    of the transfer): our lead is closed with its outcome and findings. Only the token named on
    that peer (``peer`` right); the same report again changes nothing."""

    def required_right(self, request) -> str:
        return TokenRight.PEER

    def post(self, request, reference: str):
        form = serializers.ClosureSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            transfer = federation.receive_closure(
                token=request.auth,
                reference=reference,
                outcome=data["outcome"],
                findings=data.get("findings", ""),
                closed_at=data.get("closed_at"),
            )
        except LookupError:
            raise exceptions.NotFound(gettext("没有向该系统转办此文号的线索。"))
        except DomainError as exc:
            raise domain_error(exc)
        except Refused as exc:
            raise exceptions.PermissionDenied(str(exc))
        return Response(
            {
                "reference": transfer.reference,
                "number": transfer.lead.number,
                "reported_back_at": transfer.reported_back_at,
            }
        )


class SchemaAccess(CallLog):
    """The schema and its viewer: a token (any right) or a signed-in person; logged too."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [permissions.IsAuthenticated]
