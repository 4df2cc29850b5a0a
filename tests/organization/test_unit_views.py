"""The visibility mechanism end to end on the unit directory: list, detail URL and export."""

import io

import openpyxl
from django.urls import reverse

from core.models import ExportLog
from tests.querycount import assert_constant_queries


def export_names(response) -> set[str]:
    data = b"".join(response.streaming_content)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return {row[0] for row in ws.iter_rows(min_row=2, values_only=True)}


def test_community_user_cannot_reach_another_community(client_for, personas, org):
    client = client_for(personas.community_a)

    listing = client.get(reverse("organization:unit_list"))
    assert listing.status_code == 200
    names = {u.name for u in listing.context["object_list"]}
    assert org.community_a.name in names
    assert org.community_b.name not in names

    assert client.get(reverse("organization:unit_detail", args=[org.community_b.pk])).status_code == 404
    assert client.get(reverse("organization:unit_detail", args=[org.community_a.pk])).status_code == 200

    exported = export_names(client.get(reverse("organization:unit_list") + "?export=xlsx"))
    assert org.community_a.name in exported
    assert org.community_b.name not in exported


def test_street_office_sees_every_unit_and_exports_are_logged(client_for, personas, org):
    client = client_for(personas.street)
    response = client.get(reverse("organization:unit_list") + "?kind=community&export=xlsx")
    assert export_names(response) == {org.community_a.name, org.community_b.name}
    log = ExportLog.objects.get()
    assert log.user == personas.street and log.row_count == 2 and log.filters == {"kind": ["community"]}


def test_anonymous_users_are_sent_to_login(client, org):
    response = client.get(reverse("organization:unit_detail", args=[org.community_a.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unit_list_query_count_does_not_grow_with_rows(client_for, personas, org):
    from tests.factories import CommunityFactory, UserFactory

    def add_rows(n):
        for _ in range(n):
            unit = CommunityFactory()
            UserFactory(unit=unit, role="community_staff")

    assert_constant_queries(client_for(personas.street), reverse("organization:unit_list"), add_rows, expected=6)
