import pytest
from django.urls import reverse

from core.audit import audit_context, timeline_for
from core.models import AuditEntry, AuditEntryError


def test_changes_record_who_what_and_why(personas, org):
    unit = org.community_a
    with audit_context(actor=personas.street, reason="更正电话"):
        unit.phone = "0595-88888888"
        unit.save()
    entry = timeline_for(unit)[0]
    assert entry.actor == personas.street
    assert entry.reason == "更正电话"
    assert entry.changes["phone"] == ["", "0595-88888888"]


def test_nested_contexts_restore_the_outer_actor(personas, org):
    with audit_context(actor=personas.street):
        with audit_context(actor=personas.community_a, reason="inner"):
            org.community_a.phone = "1"
            org.community_a.save()
        org.community_b.phone = "2"
        org.community_b.save()
    assert timeline_for(org.community_a)[0].actor == personas.community_a
    outer = timeline_for(org.community_b)[0]
    assert outer.actor == personas.street and outer.reason == ""


def test_changes_in_a_request_are_attributed_to_the_signed_in_user(rf, personas, org):
    from core.audit import AuditActorMiddleware

    def view(request):
        org.community_a.phone = "0595-5555"
        org.community_a.save()
        from django.http import HttpResponse

        return HttpResponse()

    request = rf.post("/", REMOTE_ADDR="10.1.2.3")
    request.user = personas.community_a
    AuditActorMiddleware(view)(request)
    entry = timeline_for(org.community_a)[0]
    assert entry.actor == personas.community_a and entry.remote_addr == "10.1.2.3"


def test_audit_entries_cannot_be_changed_or_deleted(personas, org):
    with audit_context(actor=personas.street):
        org.community_a.phone = "3"
        org.community_a.save()
    entry = timeline_for(org.community_a)[0]
    entry.reason = "tampered"
    with pytest.raises(AuditEntryError):
        entry.save()
    with pytest.raises(AuditEntryError):
        entry.delete()


def test_object_page_shows_the_timeline(client_for, personas, org):
    with audit_context(actor=personas.street, reason="新增联络电话"):
        org.community_a.phone = "0595-1234"
        org.community_a.save()
    response = client_for(personas.community_a).get(reverse("organization:unit_detail", args=[org.community_a.pk]))
    html = response.content.decode()
    assert "新增联络电话" in html and 'data-testid="audit-timeline"' in html


def test_admin_cannot_edit_or_delete_audit_entries(admin_client, personas, org):
    with audit_context(actor=personas.street):
        org.community_a.phone = "4"
        org.community_a.save()
    entry = timeline_for(org.community_a)[0]
    assert admin_client.get(reverse("admin:core_auditentry_changelist")).status_code == 200
    assert (
        admin_client.post(reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
