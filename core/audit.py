"""The audit trail: who, when, which fields changed, and why.

django-auditlog records every create, update and delete of a registered model (register it in
the app's ``AppConfig.ready``) into ``core.AuditEntry``. The request middleware below sets the
actor; services add the reason with ``audit_context``::

    with audit_context(actor=user, reason="核查属实，移送打击组"):
        lead.save()

Contexts nest: the inner one applies to saves inside it and the outer one is restored after it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from auditlog.context import auditlog_value
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import pre_save

from .models import AuditEntry


def _apply_context(sender, instance, signal_duid, **kwargs) -> None:
    try:
        data = auditlog_value.get()
    except LookupError:
        return
    if data.get("signal_duid") != signal_duid:
        return
    actor = data.get("actor")
    if actor is not None and getattr(actor, "is_authenticated", False) and instance.actor_id is None:
        instance.actor = actor
        instance.actor_email = getattr(actor, "email", None) or None
    if data.get("reason") and not instance.reason:
        instance.reason = data["reason"]
    for key in ("remote_addr", "remote_port"):
        if data.get(key) and not getattr(instance, key):
            setattr(instance, key, data[key])


@contextlib.contextmanager
def audit_context(*, actor: Any = None, reason: str = "", remote_addr: str | None = None) -> Iterator[None]:
    """Attach an actor (and a reason) to every audit entry written inside the block."""
    try:
        outer = auditlog_value.get()
    except LookupError:
        outer = {}
    duid = ("hulao-audit", time.monotonic_ns(), id(object()))
    data = {
        "actor": actor if actor is not None else outer.get("actor"),
        "reason": reason,
        "remote_addr": remote_addr or outer.get("remote_addr"),
        "remote_port": outer.get("remote_port"),
        "signal_duid": duid,
    }
    token = auditlog_value.set(data)

    def receiver(sender, instance, **kwargs):
        _apply_context(sender, instance, duid)

    pre_save.connect(receiver, sender=AuditEntry, dispatch_uid=duid, weak=False)
    try:
        yield
    finally:
        pre_save.disconnect(sender=AuditEntry, dispatch_uid=duid)
        auditlog_value.reset(token)


class AuditActorMiddleware:
    """Sets the signed-in user (and client address) as the actor of every change in the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        with audit_context(actor=actor, remote_addr=request.META.get("REMOTE_ADDR")):
            return self.get_response(request)


def timeline_for(obj: models.Model, limit: int | None = 200) -> list[AuditEntry]:
    """The audit entries of one object, newest first, with their actors. Two queries."""
    ct = ContentType.objects.get_for_model(obj.__class__)
    qs = (
        AuditEntry.objects.filter(content_type=ct, object_id=obj.pk)
        .select_related("actor")
        .order_by("-timestamp", "-pk")
    )
    entries = list(qs[:limit] if limit else qs)
    for entry in entries:  # all share the object's (cached) content type: no join, no query per entry
        entry.content_type = ct
    return entries


def replace_in(value: Any, passage: str, replacement: str) -> Any:
    """``value`` (text, or JSON: dicts, lists, text) with every ``passage`` replaced."""
    if isinstance(value, str):
        return value.replace(passage, replacement)
    if isinstance(value, list):
        return [replace_in(v, passage, replacement) for v in value]
    if isinstance(value, dict):
        return {k: replace_in(v, passage, replacement) for k, v in value.items()}
    return value


#: The fields of an entry that carry an object's text.
_TEXT_FIELDS = ("object_repr", "changes_text", "reason", "changes", "serialized_data", "additional_data")


def redact_entries(objects: list[models.Model], passage: str, replacement: str) -> int:
    """Replace ``passage`` by ``replacement`` in every audit entry of ``objects``: the one way an
    entry changes (``AuditEntry.save(_allow_update=True)``), for a redaction the caller has
    recorded with who, when and why. Returns the number of entries changed."""
    changed = 0
    by_type: dict[Any, list[str]] = {}
    for obj in objects:
        by_type.setdefault(ContentType.objects.get_for_model(obj.__class__), []).append(str(obj.pk))
    for ct, pks in by_type.items():
        for entry in AuditEntry.objects.filter(content_type=ct, object_pk__in=pks).iterator():
            updates = {}
            for name in _TEXT_FIELDS:
                value = getattr(entry, name)
                new = replace_in(value, passage, replacement)
                if new != value:
                    updates[name] = new
            if updates:
                for name, value in updates.items():
                    setattr(entry, name, value)
                entry.save(_allow_update=True, update_fields=list(updates))
                changed += 1
    return changed


def record_action(
    obj: models.Model, *, actor: Any, action_text: str, reason: str = "", changes: dict | None = None
) -> AuditEntry:
    """Record an action that is not a field change (e.g. an informant identity was revealed, a
    file was downloaded). ``changes`` must never hold informant data."""
    ct = ContentType.objects.get_for_model(obj.__class__)
    return AuditEntry.objects.create(
        content_type=ct,
        object_pk=str(obj.pk),
        object_id=obj.pk if isinstance(obj.pk, int) else None,
        object_repr=str(obj)[:200],
        action=AuditEntry.Action.ACCESS,
        changes=changes or {},
        changes_text=action_text,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        reason=reason,
    )
