"""我的待办 in a city (issue 19): a street office's to-do lists and counts name its own street's
leads and problems only, never another street's (the counters are the whole deployment's)."""

from __future__ import annotations

from tests.leads.test_city import city, fresh, transfer  # noqa: F401  (the city fixture)


def test_a_streets_to_do_names_only_its_own_leads(city):  # noqa: F811
    from leads import services
    from reports.todo import todo_items

    own = transfer(city)
    other = services.lead_transfer(
        user=city.city,
        street=city.dongshi,
        data={
            "higher_reference": "晋专办〔2026〕9号",
            "higher_deadline": own.higher_deadline,
            "summary": "东石镇的线索",
            "fraud_type": "product",
        },
    )
    for user, mine, theirs in [(city.street, own, other), (city.street_x, other, own)]:
        items = {item.key: item for item in todo_items(fresh(user))}
        refer = items["lead_refer"]
        numbers = {row["number"] for row in refer.rows}
        assert mine.number in numbers and theirs.number not in numbers
        assert refer.count == len(numbers)


def test_a_streets_unreachable_units_are_its_own(city):  # noqa: F811
    """The banner of units no e-mail reaches names the street's own units, not another street's."""
    from organization.contacts import unreachable_units
    from organization.models import Unit

    Unit.objects.create(name="东石镇无邮箱单位", kind="member_unit", code="x_no_mail", jurisdiction=city.dongshi)
    theirs = set(unreachable_units(user=fresh(city.street_x)).values_list("jurisdiction__name", "name"))
    ours = set(unreachable_units(user=fresh(city.street)).values_list("jurisdiction__name", "name"))
    assert ("东石镇", "东石镇无邮箱单位") in theirs and {j for j, _n in theirs} == {"东石镇"}
    assert ours and {j for j, _n in ours} == {"新塘街道"}


def test_the_city_offices_to_do_names_what_waits_for_it(city, client):  # noqa: F811
    """The city office is read-only on its streets' work, so its 我的待办 was always empty: it
    names the rectifications its streets reported on its 通报/约谈 and its transfers overdue."""
    import datetime

    from django.utils import timezone

    from leads.models import Lead
    from reports import services
    from reports.choices import SupervisionKind
    from reports.todo import todo_count, todo_items

    assert todo_items(fresh(city.city)) == []
    today = timezone.localdate()
    notice = services.supervision_record(
        user=fresh(city.city),
        street=city.xintang,
        kind=SupervisionKind.NOTICE,
        date=today,
        text="转办线索反馈滞后",
        rectify_by=today + datetime.timedelta(days=10),
        reason="督导考评后进",
    )
    services.supervision_report(
        supervision=notice, user=fresh(city.street), rectification="已逐条反馈", rectified_on=today
    )
    late = transfer(city)
    Lead.objects.filter(pk=late.pk).update(higher_deadline=today - datetime.timedelta(days=2))
    items = {item.key: item for item in todo_items(fresh(city.city))}
    assert items["supervisions_reported"].count == 1 and "新塘街道" in items["supervisions_reported"].links[0][1]
    overdue = items["city_overdue"]
    assert overdue.count == 1 and overdue.rows[0]["number"] == late.number
    assert overdue.rows[0]["deadline"] == today - datetime.timedelta(days=2)  # the city's deadline
    assert todo_count(fresh(city.city)) == 2
    # the street's own to-do is unchanged by it: nothing of the city's
    assert "supervisions_reported" not in {item.key for item in todo_items(fresh(city.street))}
    client.force_login(city.city)
    page = client.get("/").content.decode()
    assert "待确认的整改情况" in page and late.number in page
