"""Writes shared by every app."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import rules, workdays
from .audit import audit_context
from .exceptions import DomainError
from .holidays import parse_arrangement
from .models import Attachment, CalendarDay, CalendarYear, ExportLog, OutboundEmail
from .uploads import validate_upload

#: What a redacted passage reads afterwards.
REDACTED = "【已删除】"


def attachments_add(
    *, obj: models.Model, files: Iterable[Any], user: Any = None, images_only: bool = False, note: str = ""
) -> list[Attachment]:
    """Attach uploaded files to ``obj`` after checking each (size, type by content)."""
    ct = ContentType.objects.get_for_model(obj.__class__)
    created = []
    for upload in files:
        kind = validate_upload(upload, images_only=images_only)
        attachment = Attachment(
            content_type=ct,
            object_id=obj.pk,
            original_name=os.path.basename(upload.name)[:200],
            extension=kind.extension,
            mime=kind.mime,
            size=upload.size,
            is_image=kind.is_image,
            note=note,
            uploaded_by=user if getattr(user, "is_authenticated", False) else None,
        )
        attachment.file.save("upload", upload, save=False)
        attachment.save()
        created.append(attachment)
    return created


def attachments_of(obj: models.Model) -> models.QuerySet[Attachment]:
    """One query."""
    ct = ContentType.objects.get_for_model(obj.__class__)
    return Attachment.objects.filter(content_type=ct, object_id=obj.pk).select_related("uploaded_by")


# --- the working-day calendar: a year's holiday arrangement ------------------------------------


@dataclass(frozen=True)
class CalendarEntered:
    arrangement: CalendarYear
    holidays: int
    workdays: int
    moved: dict[str, int]  # area → open deadlines recomputed


def calendar_enter(*, user: Any, year: int, text: str, reason: str) -> CalendarEntered:
    """Store ``year``'s State Council holiday arrangement (``core.holidays`` reads ``text``) as
    ``CalendarDay`` rows and mark the year entered (``CalendarYear``): it replaces what was
    entered for the year before and any admin row on its days. Audited (who, when, the reason,
    the old and new text). Then, in the same transaction, each area recomputes its open deadlines
    counted over the year (``core.workdays.on_arrangement_entered``), so they move off the holidays."""
    action = rules.require(user, "core.calendar_enter")
    reason = rules.require_reason(action, reason)
    if not 2000 <= year <= 2100:
        raise DomainError(_("年份应在 2000 至 2100 之间。"), code="year", field="year")
    parsed = parse_arrangement(text, year)
    if parsed.errors:
        raise DomainError("；".join(parsed.errors), code="text", field="text")
    with transaction.atomic(), audit_context(actor=user, reason=rules.audit_reason(action, reason)):
        arrangement = CalendarYear.objects.select_for_update().filter(year=year).first()
        if arrangement is None:
            arrangement = CalendarYear(year=year)
        arrangement.text = text.strip()
        arrangement.entered_by = user
        arrangement.entered_at = timezone.now()
        arrangement.reason = reason[:500]
        arrangement.save()
        CalendarDay.objects.filter(
            Q(arrangement=arrangement) | Q(date__year=year) | Q(date__in=[d.date for d in parsed.days])
        ).delete()
        CalendarDay.objects.bulk_create(
            [CalendarDay(date=d.date, kind=d.kind, note=d.note[:100], arrangement=arrangement) for d in parsed.days]
        )
        workdays.forget_coverage()
        transaction.on_commit(workdays.forget_coverage)
        moved = workdays.recompute_deadlines(years={year}, user=user, reason=reason)
    return CalendarEntered(arrangement, len(parsed.holidays), len(parsed.workdays), moved)


def redact_records(*, objects: Iterable[models.Model], passage: str, replacement: str = REDACTED) -> dict[str, int]:
    """Remove ``passage`` from what the shared records keep about ``objects`` (issue 16.7): their
    audit entries (``core.audit.redact_entries``), and wherever the outbox and the export log
    hold it (an e-mail that quoted a summary, a search typed into a list). The area redacts its
    own rows and records who redacted, when and why, without the passage; this cannot be undone
    (nothing keeps the text). Returns how many rows of each kind changed."""
    from django.db.models import Q
    from django.utils.html import escape

    from .audit import redact_entries, replace_in

    forms = {passage, escape(passage)}
    counts = {"audit": redact_entries(list(objects), passage, replacement), "outbox": 0, "exports": 0}
    text_fields = ("subject", "body_text", "body_html")
    query = Q()
    for form in forms:
        for name in text_fields:
            query |= Q(**{f"{name}__contains": form})
    for mail in OutboundEmail.objects.filter(query).iterator():
        for name in text_fields:
            value = getattr(mail, name)
            for form in forms:
                value = value.replace(form, replacement)
            setattr(mail, name, value)
        mail.save(update_fields=list(text_fields))
        counts["outbox"] += 1
    for log in ExportLog.objects.all().only("pk", "filters").iterator():
        text = str(log.filters)
        if passage in text:
            log.filters = replace_in(log.filters, passage, replacement)
            log.save(update_fields=["filters"])
            counts["exports"] += 1
    return counts
