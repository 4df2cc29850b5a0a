"""Does a free text look like it holds someone's identity? (issue 16.7)

Informants type their own phone number or ID number into "what happened"; that text is shown to
every handler and kept in the audit trail, while the contact fields are encrypted. The forms ask
``identity_hints(text)`` and warn, so the informant (or the staff taking the tip) can move it to
the contact fields or confirm it belongs there (e.g. the phone number of the company reported).
Only a hint: it finds the usual shapes of Chinese numbers, not every way of writing one."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

#: A mainland mobile number (13812345678, 138 1234 5678, 138-1234-5678, +86 138…), or a landline
#: with its area code (0595-12345678).
PHONE = re.compile(r"(?<![\d])(?:(?:\+?86)[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}(?!\d)|(?<!\d)0\d{2,3}-\d{7,8}(?!\d)")
#: A resident ID number (18 characters: region, birth date 19xx/20xx, sequence, check digit or X).
ID_NUMBER = re.compile(r"(?<![\dXx])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\dXx])")

KINDS = {"phone": (PHONE, _("电话号码")), "id_number": (ID_NUMBER, _("身份证号"))}


def identity_hints(*texts: str) -> list[str]:
    """The kinds of identity the texts look like they hold: ``["phone", "id_number"]`` or fewer.
    An ID number is not also counted as a phone number."""
    found = []
    joined = "\n".join(t for t in texts if t)
    without_ids = ID_NUMBER.sub(" ", joined)
    if ID_NUMBER.search(joined):
        found.append("id_number")
    if PHONE.search(without_ids):
        found.insert(0, "phone")
    return found


def hint_labels(kinds: list[str]) -> str:
    """「电话号码或身份证号」: the kinds found, for a message."""
    return str(_("或")).join(str(KINDS[k][1]) for k in kinds)
