"""The public tip form's files and its one-lead-per-form rule (issue 16, items 14 and 17).

Each filling of the form carries a random token (signed in the form: ``leads.forms.TipForm``).
Files sent with it are checked (size, type by content) and *held* under that token, within the
caps — per tip ``LEADS_TIP_MAX_FILES`` / ``LEADS_TIP_MAX_BYTES``, per client address and day
``LEADS_PUBLIC_DAILY_FILES`` / ``LEADS_PUBLIC_DAILY_BYTES`` — so that when the form comes back with
an error they are still there. When the form is accepted, ``submit_tip`` makes the lead and
attaches the held files, once: the same token sent again returns the same lead. Everything is
counted in the database, so the caps hold while Redis (the rate limiter) is down.

This is the public form's own PRG + no-double-submit; staff forms use the shared mechanism of
``core.views.ActionView``."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import os
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from core.uploads import validate_upload

from . import services
from .models import Lead, LeadSupplement, PublicFile, PublicSubmission


def address_key(address: str) -> str:
    """A keyed hash of the client address: enough to count, not to find out who sent a tip."""
    return hmac.new(str(settings.FIELD_HASH_KEY).encode(), f"addr:{address}".encode(), hashlib.sha256).hexdigest()


def _today_start() -> datetime.datetime:
    today = timezone.localdate()
    return timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))


def _received_today(key: str) -> tuple[int, int]:
    totals = PublicFile.objects.filter(address_key=key, created_at__gte=_today_start()).aggregate(
        n=Count("pk"), size=Sum("size")
    )
    return totals["n"] or 0, totals["size"] or 0


def held_files(token: str) -> list[PublicFile]:
    """The files held for a form not yet sent (oldest first)."""
    return list(PublicFile.objects.filter(submission__token=token, submission__lead__isnull=True, attached=False))


def submitted_lead(token: str) -> Lead | None:
    submission = PublicSubmission.objects.filter(token=token, lead__isnull=False).select_related("lead").first()
    return submission.lead if submission else None


def _submission(token: str, key: str) -> PublicSubmission:
    try:
        with transaction.atomic():
            return PublicSubmission.objects.get_or_create(token=token, defaults={"address_key": key})[0]
    except IntegrityError:  # two requests with the same new token at once
        return PublicSubmission.objects.get(token=token)


def _refuse_by_caps(uploads: list[Any], *, count: int, size: int, key: str) -> tuple[list[Any], list[str]]:
    """Which uploads fit (in order) next to ``count`` files / ``size`` bytes already held for the
    same form, and within the address's daily allowance; and a Chinese reason for each other."""
    accepted: list[Any] = []
    refused: list[str] = []
    today_n, today_size = _received_today(key)
    for upload in uploads:
        try:
            validate_upload(upload)
        except ValidationError as exc:
            refused.extend(str(m) for m in exc.messages)
            continue
        name = os.path.basename(upload.name)[:200]
        if count + 1 > settings.LEADS_TIP_MAX_FILES:
            refused.append(
                _("文件“%(name)s”未收下：每次最多附 %(n)s 个文件。") % {"name": name, "n": settings.LEADS_TIP_MAX_FILES}
            )
        elif size + upload.size > settings.LEADS_TIP_MAX_BYTES:
            refused.append(
                _("文件“%(name)s”未收下：每次所附文件合计不能超过 %(limit)s。")
                % {"name": name, "limit": filesizeformat(settings.LEADS_TIP_MAX_BYTES)}
            )
        elif (
            today_n + 1 > settings.LEADS_PUBLIC_DAILY_FILES
            or today_size + upload.size > settings.LEADS_PUBLIC_DAILY_BYTES
        ):
            refused.append(
                _("文件“%(name)s”未收下：今天收到的文件已达上限，请明天再传，或将材料交给社区工作人员。")
                % {"name": name}
            )
        else:
            accepted.append(upload)
            count, size = count + 1, size + upload.size
            today_n, today_size = today_n + 1, today_size + upload.size
    return accepted, refused


def hold_files(*, token: str, address: str, uploads: Iterable[Any]) -> list[str]:
    """Check and keep the uploads for the form ``token``; returns a Chinese reason for each file
    not kept (the others are held even then)."""
    uploads = [u for u in uploads if u]
    if not uploads:
        return []
    key = address_key(address)
    with transaction.atomic():
        submission = _submission(token, key)
        held = PublicFile.objects.filter(submission=submission, attached=False).aggregate(n=Count("pk"), s=Sum("size"))
        accepted, refused = _refuse_by_caps(uploads, count=held["n"] or 0, size=held["s"] or 0, key=key)
        for upload in accepted:
            row = PublicFile(
                submission=submission, address_key=key, name=os.path.basename(upload.name)[:200], size=upload.size
            )
            row.file.save("held", upload, save=False)
            row.save()
    return refused


def drop_files(*, token: str, ids: Iterable[str]) -> None:
    """The sender takes back files held for their form (before sending it)."""
    wanted = [int(i) for i in ids if str(i).isdigit()]
    if not wanted:
        return
    for row in PublicFile.objects.filter(
        pk__in=wanted, submission__token=token, submission__lead__isnull=True, attached=False
    ):
        row.file.delete(save=False)
        row.delete()


def _open_held(row: PublicFile) -> File:
    handle = File(row.file.open("rb"), name=row.name)
    handle.size = row.size
    return handle


def submit_tip(*, token: str, address: str, data: dict[str, Any], street: Any = None) -> tuple[Lead, str | None]:
    """The lead for the form ``token``, made once with the files held for it. Returns the lead and
    its receipt code, or the existing lead and ``None`` when this form was already sent."""
    key = address_key(address)
    _submission(token, key)
    with transaction.atomic():
        submission = PublicSubmission.objects.select_for_update().get(token=token)
        if submission.lead is not None:
            return submission.lead, None
        rows = list(submission.files.filter(attached=False))
        handles = [_open_held(row) for row in rows]
        try:
            lead, code = services.lead_submit_tip(data=data, files=handles, street=street)
        finally:
            for handle in handles:
                handle.close()
        submission.lead = lead
        submission.save(update_fields=["lead"])
        names = [row.file.name for row in rows if row.file.name]
        PublicFile.objects.filter(pk__in=[row.pk for row in rows]).update(attached=True, file="")

        def remove_held() -> None:
            for name in names:
                default_storage.delete(name)

        transaction.on_commit(remove_held)
    return lead, code


def add_supplement(*, lead: Lead, address: str, text: str, uploads: Iterable[Any]) -> LeadSupplement | None:
    """The informant adds information with the receipt code: the same caps as a tip (per
    supplement, and the address's daily allowance); nothing is saved if a file is refused."""
    uploads = [u for u in uploads if u]
    key = address_key(address)
    with transaction.atomic():
        accepted, refused = _refuse_by_caps(uploads, count=0, size=0, key=key)
        if refused:
            raise DomainError(" ".join(refused), code="files", field="files")
        supplement = services.lead_add_public_info(lead=lead, text=text, files=accepted)
        PublicFile.objects.bulk_create(
            [
                PublicFile(address_key=key, name=os.path.basename(u.name)[:200], size=u.size, attached=True)
                for u in accepted
            ]
        )
    return supplement


def cleanup(now: datetime.datetime | None = None) -> dict[str, int]:
    """Remove files held for forms never sent (older than ``LEADS_HELD_FILES_HOURS``) and the
    bookkeeping rows once they no longer count (two days; a form's token is valid for a day)."""
    now = now or timezone.now()
    stale = now - datetime.timedelta(hours=settings.LEADS_HELD_FILES_HOURS)
    removed = 0
    for row in PublicFile.objects.filter(attached=False, created_at__lt=stale).exclude(file=""):
        row.file.delete(save=False)
        row.delete()
        removed += 1
    old = now - max(datetime.timedelta(days=2), datetime.timedelta(hours=settings.LEADS_HELD_FILES_HOURS + 24))
    rows = PublicFile.objects.filter(created_at__lt=old, attached=True).delete()[0]
    forms = PublicSubmission.objects.filter(created_at__lt=old).delete()[0]
    return {"held_files_removed": removed, "rows_removed": rows, "forms_removed": forms}
