"""``seed_demo`` at benchmark scale (issue 18): ``--leads N`` alone brings institutions, cases
and activities in proportion, every lead has the timeline its status implies and some leads and
inspections have attachments; the default small demo stays as it was."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.test import override_settings

from cases.models import Case
from core.audit import timeline_for
from core.models import Attachment, AuditEntry
from leads.choices import LeadStatus, Outcome
from leads.models import Lead
from organization.models import User
from publicity.models import Activity
from rectification.models import Inspection, Institution

pytestmark = pytest.mark.django_db

#: The steps each status has gone through (the actions' names in the audit entries).
STEPS = {
    LeadStatus.REGISTERED: [],
    LeadStatus.REFERRED: ["leads.refer"],
    LeadStatus.VERIFYING: ["leads.refer", "leads.acknowledge"],
    LeadStatus.FED_BACK: ["leads.refer", "leads.acknowledge", "leads.feedback"],
    LeadStatus.RETURNED: ["leads.refer", "leads.acknowledge", "leads.feedback", "leads.return"],
}


def fingerprint() -> str:
    """What the random generator decided in the small demo (not the dates: they follow today)."""
    h = hashlib.sha256()
    for row in Lead.objects.order_by("pk").values_list(
        "status", "source", "outcome", "summary", "is_major", "assigned_unit__code", "money_lost"
    ):
        h.update(repr(row).encode())
    for row in Case.objects.order_by("pk").values_list("title", "kind", "step"):
        h.update(repr(row).encode())
    for row in Institution.objects.order_by("pk").values_list("name", "risk_grade", "status"):
        h.update(repr(row).encode())
    for row in Activity.objects.order_by("pk").values_list("title", "people_reached"):
        h.update(repr(row).encode())
    return h.hexdigest()


def test_default_small_demo_is_unchanged(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        call_command("seed_demo")
    assert Lead.objects.count() == 300
    assert Institution.objects.count() == 120
    assert Case.objects.count() == 40
    assert Activity.objects.count() == 150
    assert Inspection.objects.count() == 144
    # the same rows as before timelines and attachments were added (they draw nothing at random)
    assert fingerprint() == "3ed45d09369355da01f8e8d909e7b9cdb27a022a6d53ae0fe07c0077bb11b889"


def test_seed_at_scale_has_proportions_timelines_and_attachments(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        call_command("seed_demo", "--leads", "2500")
    assert Lead.objects.count() == 2500
    assert Institution.objects.count() == 500  # 20,000 per 100,000 leads
    assert Case.objects.count() == 250  # 10,000 per 100,000
    assert Activity.objects.count() == 500  # 20,000 per 100,000

    lead_ct = ContentType.objects.get_for_model(Lead)
    entries = AuditEntry.objects.filter(content_type=lead_ct)
    assert entries.values("object_id").distinct().count() == 2500  # every lead has a timeline
    for status, steps in STEPS.items():
        lead = Lead.objects.filter(status=status).first()
        actions = [
            (e.additional_data or {}).get("action")
            for e in entries.filter(object_id=lead.pk, action=AuditEntry.Action.UPDATE).order_by("timestamp", "pk")
        ]
        assert actions == steps, status
    closed = Lead.objects.filter(status=LeadStatus.CLOSED).exclude(outcome=Outcome.DUPLICATE).first()
    street = User.objects.get(username="zhuanban")
    shown = timeline_for(closed, user=street)  # what the lead page shows, newest first
    assert [e.title for e in shown] == ["办结", "反馈", "签收", "分派", "登记线索"]
    assert shown[0].changes_shown  # 状态 已反馈 → 已办结 …
    assert shown[-1].actor == street
    merged = Lead.objects.filter(outcome=Outcome.DUPLICATE).first()
    assert timeline_for(merged)[0].title == "合并"

    lead_files = Attachment.objects.filter(content_type=lead_ct)
    assert lead_files.count() == 125  # one lead in twenty
    inspection_files = Attachment.objects.filter(content_type=ContentType.objects.get_for_model(Inspection))
    assert inspection_files.exists()
    names = set(Attachment.objects.values_list("file", flat=True))
    assert len(names) <= 3  # a few shared small files on disk
    for name in names:
        assert (tmp_path / name).stat().st_size > 0
