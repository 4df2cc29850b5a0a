"""Who may do what in the outbox (发件箱; core/rules.py; docs/permissions.md).

The outbox is the street office's page: it reads every e-mail (``OutboundEmail.scope_q`` shows
nobody else any row; the page itself is for who may send again) and sends a failed or pending
e-mail again. A sent one, or one being sent, is not offered: sending again would do nothing.
(``core.rules`` is the rule engine and declares nothing itself; loaded by ``core.apps``.)
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from . import rules
from .choices import MailStatus
from .models import OutboundEmail

rules.register(
    rules.Action(
        "core.mail_retry",
        _("重新发送邮件"),
        model=OutboundEmail,
        who=rules.street_office,
        sources=frozenset({MailStatus.FAILED, MailStatus.PENDING}),
        target=MailStatus.PENDING,
        url="core:outbox_retry",
        doc="发送失败或待发送的邮件重新排队发送（同一封邮件，尝试次数清零）。",
    ),
)


def may_read_outbox(user) -> bool:
    """The outbox page and its link: for who may send an e-mail again (the street office)."""
    return bool(rules.check(user, "core.mail_retry"))
