"""Once: a write is done once, and a secret is shown once (issues 16.1 and 17.1).

**One-time form token.** Every form that writes carries a hidden ``_once`` token
(``{% submit_once "app.verb" %}`` from ``hulao_rules``, next to ``{% csrf_token %}``). ``ActionView``
claims the token in the same transaction as the write (``FormSubmission``, unique per user and
token) and records where the write sent the user. The same token posted again (a double click, F5
on the answer of a POST, the back button and "submit" again) is not acted on: it is sent to the
first submission's result. A submission that failed (an invalid form, a refusal) rolled its claim
back, so correcting and sending the same form again works. A POST without a token (a script, the
permission matrix, an old page) is accepted as a first submission: the token protects people from
their own browser, it is not an access control.

**A secret shown once.** An action whose answer is a secret (a receipt code, the informant's
identity) does not render it as the POST's answer: ``show_once`` keeps it in the session (encrypted)
and redirects to ``core:shown``, which shows it once with ``Cache-Control: no-store`` and replaces
it by a note. Reloading that page says it was already shown and how to get a new one; nothing is
done again.
"""

from __future__ import annotations

import datetime
import json
import re
import uuid
from typing import Any

from django.db import IntegrityError, models, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.utils import timezone

FIELD = "_once"
_TOKEN = re.compile(r"[0-9a-f]{32}")
KEEP = datetime.timedelta(days=2)  # tokens older than this are forgotten (a form left open longer is a new submission)


def new_token() -> str:
    return uuid.uuid4().hex


def token_of(request: Any) -> str:
    """The posted token, or "" when there is none (or it is not one of ours)."""
    token = request.POST.get(FIELD, "")
    return token if isinstance(token, str) and _TOKEN.fullmatch(token) else ""


def _model():
    from .models import FormSubmission

    return FormSubmission


def earlier(user: Any, token: str):
    """The committed first submission of this token by this user, or None."""
    if not token:
        return None
    return _model().objects.filter(user=user, token=token).first()


def claim(user: Any, token: str, action: str) -> bool:
    """Claim the token inside the caller's transaction: False when another submission of it has
    (on PostgreSQL the second insert waits for the first to commit, then fails)."""
    model = _model()
    model.objects.filter(user=user, created_at__lt=timezone.now() - KEEP).delete()
    try:
        with transaction.atomic():
            model.objects.create(user=user, token=token, action=action[:100])
    except IntegrityError:
        return False
    return True


def finish(user: Any, token: str, url: str) -> None:
    _model().objects.filter(user=user, token=token).update(result_url=url[:500])


def result_url_of(response: Any, request: Any) -> str:
    """Where a repeat goes: the redirect's target, or (an answer rendered in place, e.g. an
    import's report) the form's own page."""
    if isinstance(response, HttpResponseRedirect):
        return response["Location"]
    return request.get_full_path()


# --- a secret shown once ------------------------------------------------------------------------

_SESSION = "once:"


def show_once(
    request: Any,
    *,
    template: str,
    obj: models.Model,
    name: str,
    context: dict[str, Any],
    gone: str,
    again: str = "",
) -> HttpResponseRedirect:
    """Keep ``context`` (JSON, strings) for one showing of ``template`` and redirect there.

    ``obj`` is loaded again (from what the user may see) as ``object`` and as ``name``; ``gone``
    is the Chinese msgid (``gettext_noop``) shown when the page is loaded again, saying how to get
    a new one; ``again`` the declared action that does (offered when the rules allow it)."""
    from .fields import encrypt_str

    key = new_token()
    kept = [k for k in request.session.keys() if k.startswith(_SESSION)]  # noqa: SIM118  # a session is no dict
    for old in kept[: max(0, len(kept) - 20)]:  # the notes of a long day's work do not pile up
        del request.session[old]
    request.session[_SESSION + key] = {
        "template": template,
        "model": obj._meta.label_lower,
        "pk": obj.pk,
        "name": name,
        "secret": encrypt_str(json.dumps(context)),
        "gone": gone,
        "again": again,
    }
    return redirect("core:shown", key=key)


def take(request: Any, key: str) -> dict[str, Any] | None:
    """The kept entry; its secret is removed from the session as it is taken (one showing)."""
    from .fields import decrypt_str

    entry = request.session.get(_SESSION + key) if _TOKEN.fullmatch(key or "") else None
    if entry is None:
        return None
    entry = dict(entry)
    secret = entry.pop("secret", None)
    request.session[_SESSION + key] = {**entry, "shown": True}
    entry["context"] = json.loads(decrypt_str(secret)) if secret else None
    return entry
