"""Shared view mechanics: every list, detail, export and write view starts from visibility."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from . import once, rules
from .audit import record_action, timeline_for
from .concurrency import ConcurrentEditError
from .exceptions import DomainError
from .filtering import fast_filterset, is_fast
from .forms import filter_labels, quick_selects
from .listprefs import remembered_filters
from .models import Attachment, ExportLog
from .paging import CappedPaginator
from .visibility import limit_choices, visible_to
from .xlsx import MAX_ROWS, Column, ValueRows, declared, too_many_rows, xlsx_response


class ScopedQuerysetMixin(LoginRequiredMixin):
    """``get_queryset`` starts from what the user may see; ``list_queryset`` adds joins."""

    model: Any = None
    request: Any

    def scoped_queryset(self):
        return visible_to(self.request.user, self.model)

    def get_queryset(self):
        return self.scoped_queryset()


class ScopedListView(ScopedQuerysetMixin, FilterView):
    """A filtered, paginated list; ``?export=xlsx`` downloads exactly the filtered rows.

    Subclasses set ``model``, ``filterset_class``, ``export_columns`` and ``export_title``.
    """

    paginate_by = 25
    #: Pages count at most this many rows, then read "超过 N 条" (``core.paging``; issue 18).
    paginator_class = CappedPaginator
    count_cap = CappedPaginator.cap
    export_columns: list[Column] = []
    export_title: Any = ""
    strict = False
    #: Sortable columns: ``{"key": "field" or an expression}``; ``?sort=key`` / ``?sort=-key``
    #: orders the list and its export alike (ties broken by ``pk``). ``{% sort_th %}`` links them.
    sortable: dict[str, Any] = {}
    #: The sort when ``?sort=`` names none (None: the ``get_queryset`` order).
    default_sort: str | None = None
    #: The session remembers each user's last filter per list (``remember_filters``).
    remember_filters = True

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx" and self.export_columns:
            return self.export()
        if self.remember_filters:
            redirect = remembered_filters(request)
            if redirect is not None:
                return redirect
        return super().get(request, *args, **kwargs)

    def current_sort(self) -> str | None:
        """The ``?sort=`` key if it names a sortable column (with ``-`` for descending)."""
        key = self.request.GET.get("sort", "") or self.default_sort or ""
        return key if key.lstrip("-") in self.sortable else None

    def sorted_queryset(self, queryset):
        key = self.current_sort()
        if key is None:
            return queryset
        expression = self.sortable[key.lstrip("-")]
        if isinstance(expression, str):
            expression = F(expression)
        descending = key.startswith("-")
        order = expression.desc(nulls_last=True) if descending else expression.asc(nulls_first=True)
        return queryset.order_by(order, "-pk" if descending else "pk")

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["queryset"] = self.sorted_queryset(kwargs["queryset"])
        return kwargs

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        if issubclass(self.paginator_class, CappedPaginator):
            kwargs.setdefault("cap", self.count_cap)
        return super().get_paginator(queryset, per_page, orphans, allow_empty_first_page, **kwargs)

    def get_filterset_class(self):
        # built once per process, bound per request (core.filtering: no deepcopy of every filter)
        return fast_filterset(super().get_filterset_class())

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        limit_choices(filterset.form, self.request.user, scope_wide=True)  # a city: its streets' units only
        if not is_fast(filterset):
            quick_selects(filterset.form)  # a filter's choice list costs no template work per option
            filter_labels(filterset.form)  # "全部" for an empty choice
        return filterset

    def export_queryset(self):
        filterset = self.get_filterset(self.get_filterset_class())
        return filterset.qs if filterset.is_valid() else filterset.queryset.none()

    def export_rows(self):
        """The rows the export writes, streamed (a server-side cursor on PostgreSQL): when every
        column declares its fields, tuples of those values only (``ValueRows``: no model
        instance, no field the export does not show), otherwise model instances."""
        queryset = self.export_queryset()
        if declared(self.export_columns):
            return ValueRows(queryset, self.export_columns)
        return queryset.iterator(chunk_size=2000)

    def export(self):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        filename = f"{self.export_title}-{stamp}.xlsx"
        # PostgreSQL cannot store a NUL character in JSON text: drop it from what is logged.
        filters = {
            k.replace("\x00", ""): [v.replace("\x00", "") for v in values]
            for k, values in self.request.GET.lists()
            if k not in ("export", "page")
        }
        # Issue 17: more rows than EXPORT_INSTANT_MAX_ROWS are written by a worker (core.jobs),
        # which rebuilds this view with the same user and query string; the job page offers the file.
        count = self.export_queryset().count()
        if count > MAX_ROWS:  # more than one sheet holds: refused, the list says why
            messages.error(self.request, too_many_rows(count).message)
            query = self.request.GET.copy()
            query.pop("export", None)
            return HttpResponseRedirect(f"{self.request.path}?{query.urlencode()}")
        if count > settings.EXPORT_INSTANT_MAX_ROWS:
            from . import jobs

            params = {"view": f"{type(self).__module__}.{type(self).__qualname__}", "kwargs": self.kwargs}
            params |= {"query": self.request.GET.urlencode(), "filters": filters, "filename": filename}
            job = jobs.start(
                kind="core.export",
                owner=self.request.user,
                title=_("导出：%(what)s") % {"what": self.export_title},
                params=params,
            )
            return HttpResponseRedirect(job.get_absolute_url())
        rows = self.export_rows()
        response, count = xlsx_response(filename, str(self.export_title), self.export_columns, rows)
        ExportLog.objects.create(user=self.request.user, what=str(self.export_title), filters=filters, row_count=count)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["querystring"] = query.urlencode()
        context["current_sort"] = self.current_sort()
        context["filtered"] = any(k != "page" for k in self.request.GET)
        return context


class ScopedDetailView(ScopedQuerysetMixin, DetailView):
    """A detail page of a visible object (404 otherwise) with its audit timeline and ``actions``:
    the verbs of the declared actions (``core.rules``) the user may do to it now, which the page
    offers and nothing else.

    The timeline shows the newest ``timeline_limit`` entries and links to the whole history
    (``?timeline=all``): a page costs the same with ten entries or ten thousand."""

    timeline_limit = 20

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["timeline"] = page_timeline(self.request, self.object, self.timeline_limit)
        context.setdefault("actions", rules.allowed(self.request.user, self.object))
        return context


def page_timeline(request, obj, limit: int = ScopedDetailView.timeline_limit):
    """The timeline a detail page shows: the newest ``limit`` entries, or all of them when the
    page was asked for the whole history (``?timeline=all``, the timeline's "show all" link)."""
    everything = request.GET.get("timeline") == "all"
    return timeline_for(obj, limit=None if everything else limit, user=request.user)


def add_validation_error(form, exc: ValidationError) -> None:
    """A model's ``ValidationError`` onto the form: on the fields the form shows, the rest (a
    field the form does not have) on the whole form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class _Repeated(Exception):
    """Another submission of the same form token won the claim."""


class ActionView(LoginRequiredMixin, FormView):
    """The one write view: one declared action (``core.rules``) on one visible object.

    - loads the object from what the user may see (``visible_to``): 404 outside the scope;
      ``model = None`` for an action on no object (a create);
    - refuses a GET or POST of an action the user may not do with 403 and the rule's reason (a
      POST refused only by the object's state now, e.g. someone closed the lead meanwhile, shows
      the form again with the reason and what was typed, 409);
    - renders ``form_class`` (``template_name``, default ``core/action_form.html``);
    - on a valid POST calls ``perform(form)`` (the service) and redirects (POST/redirect/GET);
      a secret answer goes through ``core.once.show_once`` (shown once on a GET page);
    - acts once per form token (``core.once``): the same token posted again is sent to the first
      submission's result (a POST without a token counts as a first submission);
    - maps ``DomainError`` (onto its ``field`` or the whole form), ``ConcurrentEditError`` (the
      current version goes back into the form, so a second submit is on purpose) and
      ``ValidationError`` onto the form, keeping everything typed.

    Subclasses set ``model``, ``action``, ``form_class`` and write ``perform``.
    """

    model: Any = None
    action: str = ""
    template_name = "core/action_form.html"
    success_message: Any = _("已保存。")
    pk_url_kwarg = "pk"
    object: Any = None

    def get_queryset(self):
        return visible_to(self.request.user, self.model)

    def get_object(self):
        if self.model is None:
            return None
        return get_object_or_404(self.get_queryset(), pk=self.kwargs[self.pk_url_kwarg])

    def get_action(self) -> str:
        return self.action

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.method == "POST":
            first = once.earlier(request.user, once.token_of(request))
            if first is not None:  # the same form sent again (double click, F5, back): not acted on twice,
                return self.repeated(first)  # even when the first one changed what this user may do now
        self.object = self.get_object()
        self.rule = rules.get(self.get_action())
        self.decision = rules.check(request.user, self.rule.name, self.object)
        if not self.decision and (request.method != "POST" or self.decision.kind == "who"):
            raise PermissionDenied(self.decision.reason)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(self.extra_form_kwargs())
        return kwargs

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        limit_choices(form, self.request.user)  # a street of a city picks only its own units (issue 19)
        return form

    def extra_form_kwargs(self) -> dict[str, Any]:
        """What the form needs besides data and files (``instance``, ``user``...)."""
        return {}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("object", self.object)
        kwargs.setdefault("rule", self.rule)
        kwargs.setdefault("cancel_url", self.cancel_url())
        return super().get_context_data(**kwargs)

    def cancel_url(self) -> str:
        get_url = getattr(self.object, "get_absolute_url", None)
        return get_url() if get_url else self.request.META.get("HTTP_REFERER", "/")

    def perform(self, form) -> Any:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        token = once.token_of(request)
        form = self.get_form()
        if not self.decision:  # only the state or a guard refused: keep what was typed
            form.is_valid()
            form.add_error(None, self.decision.reason)
            return self.render_to_response(self.get_context_data(form=form), status=409)
        if not form.is_valid():
            return self.form_invalid(form)
        try:
            with transaction.atomic():  # the token's claim commits with the write, or neither does
                if token and not once.claim(request.user, token, self.rule.name):
                    raise _Repeated
                result = self.perform(form)
                response = self.done(result)
                if token:
                    once.finish(request.user, token, once.result_url_of(response, request))
        except _Repeated:
            return self.repeated(once.earlier(request.user, token))
        except ConcurrentEditError as exc:
            self.put_back_version(form)
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.message)
            return self.form_invalid(form)
        except ValidationError as exc:
            add_validation_error(form, exc)
            return self.form_invalid(form)
        return response

    def repeated(self, first: Any):
        """A repeated submission goes where the first one went, saying nothing was done again."""
        messages.info(self.request, _("该表单已提交过，未重复办理。"))
        url = first.result_url if first is not None else ""
        if not url:
            url = self.cancel_url() if self.object is not None or self.model is None else "/"
        return HttpResponseRedirect(url)

    def put_back_version(self, form) -> None:
        if self.object is None or "version" not in form.fields:
            return
        data = form.data.copy()
        data["version"] = type(self.object)._base_manager.values_list("version", flat=True).get(pk=self.object.pk)
        form.data = data

    def done(self, result: Any):
        if self.success_message:
            messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.get_success_url(result))

    def get_success_url(self, result: Any = None) -> str:
        target = result if hasattr(result, "get_absolute_url") else self.object
        return target.get_absolute_url()


def download_name(attachment: Attachment) -> str:
    """The name the browser saves the file under: the uploaded name (issue 16.8), without a path,
    control characters or quotes, ending in the type the content was checked to be. Django's
    ``FileResponse`` sends a non-ASCII name as RFC 5987 ``filename*``."""
    import re
    import unicodedata

    name = (attachment.original_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C" and c not in '"<>:|?*;')
    name = re.sub(r"\s+", " ", name).strip(" .")
    ext = f".{attachment.extension}" if attachment.extension else ""
    if not name:
        name = str(attachment.pk)
    if ext and name.lower().endswith(ext.lower()):
        name = name[: -len(ext)]
    return name[:150] + ext


@login_required
def attachment_download(request, pk: int):
    """Serve an attachment only to a user who may see the object it belongs to; logged."""
    attachment = get_object_or_404(Attachment.objects.select_related("content_type"), pk=pk)
    owner_model = attachment.content_type.model_class()
    owner = visible_to(request.user, owner_model).filter(pk=attachment.object_id).first() if owner_model else None
    if owner is None:
        raise Http404
    record_action(owner, actor=request.user, action_text=f"下载附件 #{attachment.pk}")
    inline = attachment.is_image or attachment.mime == "application/pdf"
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=download_name(attachment),
        content_type=attachment.mime,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    return response


@login_required
def shown(request, key: str):
    """A secret kept by ``core.once.show_once``, shown once (never cached); loaded again, a note
    that it was shown and how to get a new one, and nothing is done again."""
    from django.apps import apps

    entry = once.take(request, key)
    if entry is None:
        raise Http404
    owner = visible_to(request.user, apps.get_model(entry["model"])).filter(pk=entry["pk"]).first()
    if owner is None:
        raise Http404
    if entry["context"] is None:
        from django.utils.translation import gettext

        again = rules.get(entry["again"]) if entry.get("again") else None
        context = {
            "object": owner,
            "gone": gettext(entry["gone"]),
            "again": again if again and rules.check(request.user, again.name, owner) else None,
            "again_url": again.url_for(owner) if again else "",
        }
        response = render(request, "core/shown_gone.html", context)
    else:
        response = render(request, entry["template"], {**entry["context"], "object": owner, entry["name"]: owner})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def ping(request):
    """The cheapest signed-in page: the framework's floor in the benchmarks."""
    return HttpResponse("ok", content_type="text/plain")


def healthz(request):
    """For load balancers and docker-compose: 200 when the database answers, 503 otherwise.

    The body is ``ok``; when the working-day calendar does not know a year it needs soon
    (``core.workdays.missing_years``) a second line names it, ``calendar: missing 2027`` (still
    200: deadlines are estimated there, nothing is down). Monitoring may alert on that line."""
    from django.db import connection

    from .workdays import missing_years

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    try:
        missing = missing_years(fresh=True)
    except Exception:  # the calendar's table not migrated yet: the database itself answers
        return HttpResponse("ok\ncalendar: unknown\n", content_type="text/plain")
    if missing:
        return HttpResponse(
            "ok\ncalendar: missing " + " ".join(str(year) for year in missing) + "\n", content_type="text/plain"
        )
    return HttpResponse("ok", content_type="text/plain")
