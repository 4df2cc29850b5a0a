"""The working-day calendar page (节假日安排): which years the calendar knows, the days the street
office entered, and the form to enter (or re-enter) a year's State Council arrangement with a
preview of what will be stored (``core.calendar_enter``; core/services.py, core/holidays.py).

The page is for the street office and leaders (``core.calendar_rules.may_read_calendar``); the
form is an ``ActionView`` of the declared action.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from . import services, workdays
from .audit import timeline_for
from .calendar_rules import may_read_calendar
from .choices import DayKind
from .holidays import parse_arrangement
from .models import CalendarDay, CalendarYear
from .views import ActionView

EXAMPLE = _("2027-01-01~2027-01-03 元旦\n2027-02-07 班")


class CalendarEnterForm(forms.Form):
    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100)
    text = forms.CharField(
        label=_("节假日安排"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 12, "placeholder": EXAMPLE, "data-testid": "calendar-text"}),
        help_text=_(
            "按国务院办公厅通知，每行一项：放假写“2027-01-01~2027-01-03 元旦”（起止日期和名称，"
            "也可写“至”或“～”），调休上班写“2027-02-07 班”。空行会被忽略。"
        ),
    )
    reason = forms.CharField(
        label=_("依据"),
        max_length=500,
        help_text=_("如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕×号）"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        year, text = data.get("year"), data.get("text")
        if year and text:
            parsed = parse_arrangement(text, year)
            for error in parsed.errors:
                self.add_error("text", error)
            data["arrangement"] = parsed
        return data


class CalendarView(LoginRequiredMixin, TemplateView):
    template_name = "core/calendar.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_read_calendar(request.user):
            raise PermissionDenied(_("节假日安排仅供街道专项办和领导查看。"))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        coverage = workdays.coverage(fresh=True)
        days: dict[int, list[CalendarDay]] = defaultdict(list)
        loose: list[CalendarDay] = []
        for day in CalendarDay.objects.order_by("date"):
            (days[day.arrangement_id] if day.arrangement_id else loose).append(day)
        years = []
        for entry in CalendarYear.objects.select_related("entered_by").order_by("-year"):
            holidays = sum(1 for d in days[entry.pk] if d.kind == DayKind.HOLIDAY)
            years.append(
                {
                    "entry": entry,
                    "days": days[entry.pk],
                    "holidays": holidays,
                    "workdays": len(days[entry.pk]) - holidays,
                    "timeline": timeline_for(entry, limit=20),
                }
            )
        library = sorted(coverage.library)
        context.update(
            missing=coverage.missing(today, workdays.lookahead_end(today)),
            lookahead=workdays.lookahead_end(today),
            years=years,
            loose=loose,
            library_first=library[0] if library else None,
            library_last=library[-1] if library else None,
        )
        return context


class CalendarEnterView(ActionView):
    action = "core.calendar_enter"
    form_class = CalendarEnterForm
    template_name = "core/calendar_enter.html"

    def get_initial(self):
        initial = super().get_initial()
        try:
            year = int(self.request.GET.get("year", ""))
        except ValueError:
            missing = workdays.missing_years()
            year = missing[0] if missing else timezone.localdate().year + 1
        initial["year"] = year
        existing = CalendarYear.objects.filter(year=year).first()
        if existing is not None:
            initial["text"] = existing.text
        return initial

    def get_context_data(self, **kwargs):
        kwargs.setdefault("existing_years", set(CalendarYear.objects.values_list("year", flat=True)))
        return super().get_context_data(**kwargs)

    def cancel_url(self) -> str:
        return reverse("core:calendar")

    def post(self, request, *args, **kwargs):
        if "preview" in request.POST and self.decision:
            form = self.get_form()
            if not form.is_valid():
                return self.form_invalid(form)
            return self.render_to_response(self.get_context_data(form=form, preview=form.cleaned_data["arrangement"]))
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        return services.calendar_enter(
            user=self.request.user, year=data["year"], text=data["text"], reason=data["reason"]
        )

    def done(self, result):
        moved = sum(result.moved.values())
        self.success_message = gettext(
            "已保存 %(year)s 年节假日安排：放假 %(holidays)s 天，调休上班 %(workdays)s 天；重新计算期限 %(moved)s 条。"
        ) % {
            "year": result.arrangement.year,
            "holidays": result.holidays,
            "workdays": result.workdays,
            "moved": moved,
        }
        return super().done(result)

    def get_success_url(self, result=None) -> str:
        return reverse("core:calendar")
