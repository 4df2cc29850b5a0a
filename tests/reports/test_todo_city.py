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
