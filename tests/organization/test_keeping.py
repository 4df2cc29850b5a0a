"""The street office keeps units, people and the informant-reveal right on its own pages (issue
15): every change asks the rules, is audited with its reason, and nobody needs the admin site."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from core.models import AuditEntry
from organization.choices import Role, UnitCode, UnitKind
from organization.contacts import unit_addresses
from organization.models import Unit, User
from tests.factories import CommunityFactory, UserFactory
from tests.querycount import assert_constant_queries, counts_for_rows

pytestmark = pytest.mark.django_db

REASON = "新设社区纳入专项行动"


def perm(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@pytest.fixture
def head(personas):
    """The street office's head: may grant the reveal right."""
    personas.street.user_permissions.add(perm("organization.manage_grants"))
    return User.objects.get(pk=personas.street.pk)


def entries_of(obj) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_id=obj.pk, content_type__model=obj._meta.model_name))


# --- units -----------------------------------------------------------------------------------------


def test_street_office_adds_a_community_with_a_reason_and_it_is_audited(client_for, personas):
    client = client_for(personas.street)
    listing = client.get(reverse("organization:unit_list")).content.decode()
    assert reverse("organization:unit_add") in listing
    response = client.post(
        reverse("organization:unit_add"),
        {
            "name": "锦里社区",
            "kind": UnitKind.COMMUNITY,
            "sort_order": 7,
            "email": "jinli@example.invalid",
            "reason": REASON,
        },
    )
    unit = Unit.objects.get(name="锦里社区")
    assert response.status_code == 302 and response["Location"] == reverse("organization:unit_detail", args=[unit.pk])
    assert unit.kind == UnitKind.COMMUNITY and unit.is_active and unit.email == "jinli@example.invalid"
    (entry,) = entries_of(unit)
    assert entry.actor == personas.street and REASON in entry.reason
    assert unit in Unit.objects.receivers()


def test_a_reason_is_required_and_what_was_typed_is_kept(client_for, personas):
    response = client_for(personas.street).post(
        reverse("organization:unit_add"),
        {"name": "锦里社区", "kind": UnitKind.COMMUNITY, "sort_order": 7, "reason": "加"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "请写明原因（至少 4 个字）" in page and "锦里社区" in page
    assert not Unit.objects.filter(name="锦里社区").exists()


def test_a_second_street_office_cannot_be_made(client_for, personas):
    response = client_for(personas.street).post(
        reverse("organization:unit_add"),
        {"name": "第二专项办", "kind": UnitKind.STREET_OFFICE, "sort_order": 1, "reason": REASON},
    )
    assert response.status_code == 200 and not Unit.objects.filter(name="第二专项办").exists()


def test_edit_a_unit_rename_host_and_liaison(client_for, personas, org):
    group = org.units[UnitCode.GROUP_PUBLICITY]
    host = org.units[UnitCode.RURAL_BANK]
    member = UserFactory(username="xj2", unit=group, role=Role.GROUP_MEMBER, email="xj2@example.invalid")
    data = {
        "name": "宣传教育组",
        "short_name": "宣教组",
        "kind": UnitKind.WORKING_GROUP,
        "host_unit": host.pk,
        "liaison": member.pk,
        "phone": "0595-1",
        "email": "",
        "address": "",
        "sort_order": 4,
        "reason": "按新方案调整挂靠",
    }
    response = client_for(personas.street).post(reverse("organization:unit_edit", args=[group.pk]), data)
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.host_unit, group.liaison) == ("宣传教育组", host, member)
    assert "xj2@example.invalid" in unit_addresses(group)
    assert any("按新方案调整挂靠" in e.reason for e in entries_of(group))


def test_a_liaison_must_be_of_the_unit(client_for, personas, org):
    outsider = UserFactory(username="outsider", unit=org.community_b, role=Role.COMMUNITY_STAFF)
    unit = org.community_a
    data = {"name": unit.name, "kind": unit.kind, "liaison": outsider.pk, "sort_order": 1, "reason": "换联络员了"}
    response = client_for(personas.street).post(reverse("organization:unit_edit", args=[unit.pk]), data)
    assert response.status_code == 200
    unit.refresh_from_db()
    assert unit.liaison is None


def test_deactivate_keeps_the_unit_readable_and_takes_it_off_choice_lists(client_for, personas, org):
    from leads.forms import ReferForm

    client = client_for(personas.street)
    unit = CommunityFactory(name="旧社区")
    url = reverse("organization:unit_deactivate", args=[unit.pk])
    assert client.post(url, {"reason": "撤并"}).status_code == 200  # too short: the form again
    assert client.post(url, {"reason": "社区撤并入新塘社区"}).status_code == 302
    unit.refresh_from_db()
    assert not unit.is_active and Unit.objects.filter(pk=unit.pk).exists()
    assert unit not in ReferForm().fields["unit"].queryset
    assert client.get(reverse("organization:unit_detail", args=[unit.pk])).status_code == 200
    default = client.get(reverse("organization:unit_list")).context["object_list"]
    assert unit not in default
    assert unit in client.get(reverse("organization:unit_list") + "?status=inactive").context["object_list"]
    assert (
        client.post(reverse("organization:unit_activate", args=[unit.pk]), {"reason": "恢复社区建制"}).status_code
        == 302
    )
    unit.refresh_from_db()
    assert unit.is_active


def test_a_unit_with_active_people_is_not_deactivated(client_for, personas, org):
    response = client_for(personas.street).get(reverse("organization:unit_deactivate", args=[org.community_a.pk]))
    assert response.status_code == 403 and "还有在用的人员" in response.content.decode()


def test_other_roles_read_the_directory_and_change_nothing(client_for, personas, org):
    client = client_for(personas.community_a)
    listing = client.get(reverse("organization:unit_list")).content.decode()
    assert reverse("organization:unit_add") not in listing
    assert client.get(reverse("organization:unit_add")).status_code == 403
    assert (
        client.post(reverse("organization:unit_edit", args=[org.community_a.pk]), {"reason": "改名称吧"}).status_code
        == 403
    )
    leader = client_for(personas.leader)
    assert leader.get(reverse("organization:unit_detail", args=[org.community_b.pk])).status_code == 200
    assert leader.get(reverse("organization:unit_add")).status_code == 403


# --- people ----------------------------------------------------------------------------------------


def test_add_a_person_as_liaison_with_a_password_shown_once(client, client_for, personas, org):
    street = client_for(personas.street)
    data = {
        "username": "jinli1",
        "name": "蔡社区",
        "unit": org.community_b.pk,
        "role": Role.COMMUNITY_STAFF,
        "phone": "0595-2",
        "email": "jinli1@example.invalid",
        "make_liaison": "on",
        "reason": "社区新任联络员",
    }
    response = street.post(reverse("organization:person_add"), data)
    person = User.objects.get(username="jinli1")
    once = reverse("organization:password_once", args=[person.pk])
    assert response.status_code == 302 and response["Location"] == once  # no secret in the POST's answer
    shown = street.get(once)
    password = shown.context["password"]
    assert password and password in shown.content.decode() and shown["Cache-Control"] == "no-store"
    again = street.get(once)
    assert again.context["password"] is None and password not in again.content.decode()
    org.community_b.refresh_from_db()
    assert org.community_b.liaison == person and "jinli1@example.invalid" in unit_addresses(org.community_b)
    assert all(password not in (e.changes_text + e.reason + str(e.changes)) for e in AuditEntry.objects.all())
    assert any("社区新任联络员" in e.reason for e in entries_of(person))
    client.logout()
    assert client.login(username="jinli1", password=password)


def test_a_role_must_fit_the_unit(client_for, personas, org):
    data = {
        "username": "x1",
        "name": "某人",
        "unit": org.community_a.pk,
        "role": Role.STREET_OFFICE,
        "reason": "新增人员",
    }
    response = client_for(personas.street).post(reverse("organization:person_add"), data)
    assert response.status_code == 200 and "不能属于" in response.content.decode()
    assert not User.objects.filter(username="x1").exists()


def test_a_username_taken_is_a_form_error(client_for, personas, org):
    data = {
        "username": "street",
        "name": "某人",
        "unit": org.community_a.pk,
        "role": Role.COMMUNITY_STAFF,
        "reason": "新增人员",
    }
    response = client_for(personas.street).post(reverse("organization:person_add"), data)
    assert response.status_code == 200 and response.context["form"].errors.get("username")


def test_change_unit_and_role_then_deactivate_and_reset(client, client_for, personas, org):
    person = UserFactory(username="move", unit=org.community_a, role=Role.COMMUNITY_STAFF)
    street = client_for(personas.street)
    data = {"name": "调动者", "unit": org.units[UnitCode.POLICE].pk, "role": Role.UNIT_LIAISON, "reason": "调往派出所"}
    assert street.post(reverse("organization:person_edit", args=[person.pk]), data).status_code == 302
    person.refresh_from_db()
    assert (person.unit, person.role, person.name) == (org.units[UnitCode.POLICE], Role.UNIT_LIAISON, "调动者")

    response = street.post(reverse("organization:person_reset_password", args=[person.pk]), {"reason": "本人遗忘密码"})
    assert response.status_code == 302
    password = street.get(response["Location"]).context["password"]
    person.refresh_from_db()
    assert person.check_password(password)

    assert (
        street.post(reverse("organization:person_deactivate", args=[person.pk]), {"reason": "已调离岗位"}).status_code
        == 302
    )
    person.refresh_from_db()
    assert not person.is_active
    assert (
        person
        in client_for(personas.street).get(reverse("organization:person_list") + "?status=all").context["object_list"]
    )


def test_nobody_deactivates_themselves(client_for, personas):
    response = client_for(personas.street).post(
        reverse("organization:person_deactivate", args=[personas.street.pk]), {"reason": "我要离职了"}
    )
    assert response.status_code == 200 and "不能停用自己的账号" in response.content.decode()


def test_people_list_follows_scope_and_its_queries_are_constant(client_for, personas, org):
    names = {
        p.username
        for p in client_for(personas.community_a).get(reverse("organization:person_list")).context["object_list"]
    }
    assert names == {"community_a"}

    def add_rows(n):
        for _ in range(n):
            UserFactory(unit=org.community_b, role=Role.COMMUNITY_STAFF)

    assert_constant_queries(client_for(personas.street), reverse("organization:person_list"), add_rows, expected=7)


# --- the informant-reveal right --------------------------------------------------------------------


def test_the_head_grants_and_withdraws_the_reveal_right(client_for, personas, head, org):
    colleague = UserFactory(username="colleague", unit=org.units[UnitCode.STREET_OFFICE], role=Role.STREET_OFFICE)
    client = client_for(head)
    page = client.get(reverse("organization:grant_list")).content.decode()
    grant_url = reverse("organization:grant_reveal", args=[colleague.pk])
    assert grant_url in page
    assert client.post(grant_url, {"reason": "负责实名举报回访"}).status_code == 302
    assert User.objects.get(pk=colleague.pk).has_perm("leads.view_informant")
    entry = AuditEntry.objects.filter(object_id=colleague.pk, content_type__model="user").latest("pk")
    assert entry.actor == head and entry.reason == "负责实名举报回访"
    withdraw_url = reverse("organization:withdraw_reveal", args=[colleague.pk])
    assert withdraw_url in client.get(reverse("organization:grant_list")).content.decode()
    assert client.post(withdraw_url, {"reason": "岗位调整，收回权限"}).status_code == 302
    assert not User.objects.get(pk=colleague.pk).has_perm("leads.view_informant")


def test_the_right_is_granted_only_to_street_office_staff(client_for, personas, head):
    response = client_for(head).get(reverse("organization:grant_reveal", args=[personas.community_a.pk]))
    assert response.status_code in (403, 404)
    response = client_for(head).get(reverse("organization:grant_reveal", args=[personas.leader.pk]))
    assert response.status_code == 403 and "只能授予街道专项办在用的工作人员" in response.content.decode()
    assert not User.objects.get(pk=personas.leader.pk).has_perm("leads.view_informant")


def test_without_the_grant_right_the_street_office_reads_who_holds_it_and_grants_nothing(client_for, personas, org):
    colleague = UserFactory(username="colleague", unit=org.units[UnitCode.STREET_OFFICE], role=Role.STREET_OFFICE)
    client = client_for(personas.street)
    assert reverse("organization:grant_list") in client.get(reverse("organization:unit_list")).content.decode()
    page = client.get(reverse("organization:grant_list")).content.decode()
    assert "colleague" in page and reverse("organization:grant_reveal", args=[colleague.pk]) not in page
    assert reverse("leads:reveal_log") not in page
    response = client.post(reverse("organization:grant_reveal", args=[colleague.pk]), {"reason": "我想授权给他"})
    assert response.status_code == 403 and "授予敏感权限" in response.content.decode()
    assert client.get(reverse("leads:reveal_log")).status_code == 403
    assert client_for(personas.community_a).get(reverse("organization:grant_list")).status_code == 403
    assert client_for(personas.community_a).get(reverse("leads:reveal_log")).status_code == 403


# --- the admin site is the superuser's -----------------------------------------------------------


def test_the_admin_is_for_the_superuser_only(client_for, personas, org):
    User.objects.filter(pk=personas.street.pk).update(is_staff=True)
    street = User.objects.get(pk=personas.street.pk)
    client = client_for(street)
    page = client.get(reverse("organization:unit_list")).content.decode()
    assert reverse("admin:index") not in page
    assert client.get(reverse("admin:index")).status_code == 302  # to the admin's login: not for staff
    root = UserFactory(username="root", unit=org.units[UnitCode.STREET_OFFICE], is_superuser=True, is_staff=True)
    client = client_for(root)
    assert client.get(reverse("admin:index")).status_code == 200
    assert reverse("admin:index") in client.get(reverse("organization:unit_list")).content.decode()


def test_the_grants_page_costs_the_same_for_more_people(client_for, personas, head, org):
    def add_rows(n):
        for _ in range(n):
            UserFactory(unit=org.units[UnitCode.STREET_OFFICE], role=Role.STREET_OFFICE)

    client = client_for(head)
    queries, _shown = counts_for_rows(client, reverse("organization:grant_list"), add_rows)
    assert len(set(queries)) == 1, queries
    assert len(client.get(reverse("organization:grant_list")).context["people"]) == 2 + 50


def test_the_demo_has_a_head_who_grants_and_nobody_but_admin_needs_the_admin(db, client):
    from django.core.management import call_command

    call_command("seed_demo", "--leads", "20", "--institutions", "5", "--cases", "2", "--activities", "5")
    zhuren, zhuanban = User.objects.get(username="zhuren"), User.objects.get(username="zhuanban")
    assert (
        zhuren.name == "李主任"
        and zhuren.has_perm("organization.manage_grants")
        and zhuren.has_perm("leads.view_informant")
    )
    assert not zhuanban.has_perm("organization.manage_grants") and not zhuanban.has_perm("leads.view_informant")
    assert set(User.objects.filter(is_staff=True).values_list("username", flat=True)) == {"admin"}
    client.force_login(zhuren)
    assert (
        reverse("organization:grant_reveal", args=[zhuanban.pk])
        in client.get(reverse("organization:grant_list")).content.decode()
    )
    assert "（演示）" in client.get(reverse("leads:reveal_log")).content.decode()


def test_only_the_head_keeps_the_account_of_a_holder_of_a_sensitive_right(client_for, personas, head, org):
    """Resetting a password is signing in as that person: a colleague cannot take the head's rights."""
    holder = UserFactory(username="holder", unit=org.units[UnitCode.STREET_OFFICE], role=Role.STREET_OFFICE)
    holder.user_permissions.add(perm("leads.view_informant"))
    colleague = UserFactory(username="colleague", unit=org.units[UnitCode.STREET_OFFICE], role=Role.STREET_OFFICE)
    client = client_for(colleague)
    for target in (head, holder):
        response = client.post(
            reverse("organization:person_reset_password", args=[target.pk]), {"reason": "本人遗忘密码"}
        )
        assert response.status_code == 403
        page = client.get(reverse("organization:person_detail", args=[target.pk])).content.decode()
        assert reverse("organization:person_reset_password", args=[target.pk]) not in page
    response = client_for(head).post(
        reverse("organization:person_reset_password", args=[holder.pk]), {"reason": "本人遗忘密码"}
    )
    assert response.status_code == 302


def test_the_street_office_edits_its_own_details_but_not_its_kind(client_for, personas, org):
    office = org.units[UnitCode.STREET_OFFICE]
    client = client_for(personas.street)
    form = client.get(reverse("organization:unit_edit", args=[office.pk])).context["form"]
    assert form.fields["kind"].disabled
    data = {
        "name": office.name,
        "short_name": office.short_name,
        "kind": UnitKind.COMMUNITY,  # ignored: the field is disabled
        "host_unit": office.host_unit_id,
        "phone": "0595-85550000",
        "sort_order": 1,
        "reason": "更新值班电话",
    }
    response = client.post(reverse("organization:unit_edit", args=[office.pk]), data)
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.kind == UnitKind.STREET_OFFICE and office.phone == "0595-85550000" and office.host_unit_id


def test_the_pages_speak_english_when_chosen(client_for, personas, head, org):
    client = client_for(head)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    pages = {
        reverse("organization:unit_add"): "Add unit",
        reverse("organization:person_list"): "Add person",
        reverse("organization:grant_list"): "Sensitive rights",
        reverse("organization:person_detail", args=[personas.leader.pk]): "Reset password",
    }
    for url, text in pages.items():
        assert text in client.get(url).content.decode(), url
