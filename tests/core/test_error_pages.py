"""Error pages in the app's layout with a way back, in the user's language; the 500 page is
standalone (no database, no signed-in user, no context processor) but styled; the admin is
titled as the app."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_in_the_layout_with_a_way_back(personas, client_for):
    response = client_for(personas.community_a).get("/leads/999999/")
    page = response.content.decode()
    assert response.status_code == 404
    assert 'data-testid="error-404"' in page and 'data-testid="user-menu"' in page  # the layout
    assert 'data-testid="back"' in page and 'href="/"' in page
    assert "页面不存在" in page


def test_anonymous_visitors_are_offered_the_tip_form_and_the_login(client):
    client.cookies["django_language"] = "en"
    page = client.get("/tip/nothing-here/").content.decode()
    assert "Page not found" in page and 'href="/tip/"' in page and 'href="/accounts/login/"' in page


def test_a_refusal_says_why_and_leads_back(personas, client_for):
    from tests.leads.factories import LeadFactory

    lead = LeadFactory()
    response = client_for(personas.leader).get(f"/leads/{lead.pk}/refer/")  # leaders only read
    page = response.content.decode()
    assert response.status_code == 403
    assert 'data-testid="refused"' in page and 'data-testid="back"' in page and 'data-testid="user-menu"' in page


def test_the_server_error_page_needs_nothing_but_is_styled_and_translated():
    from django.views.defaults import server_error

    request = RequestFactory().get("/")
    for language, words in (("zh-hans", "系统出现错误"), ("en", "Something went wrong")):
        with translation.override(language), CaptureQueriesContext(connection) as queries:
            response = server_error(request)
        page = response.content.decode()
        assert response.status_code == 500
        assert len(queries) == 0
        assert words in page
        assert "/static/css/hulao.css" in page and 'class="navbar' in page
        assert 'data-testid="back"' in page and 'href="/"' in page


def test_the_admin_is_titled_hulao_in_the_users_language(client, personas):
    from organization.models import User

    admin = User.objects.create_superuser("boss", "boss@example.invalid", "pw-for-tests-123")
    client.force_login(admin)
    page = client.get("/admin/").content.decode()
    assert "护老 · 后台管理" in page and "Django" not in page.split("<body", 1)[1].split("</header>", 1)[0]
    client.cookies["django_language"] = "en"
    assert "Hulao · Administration" in client.get("/admin/").content.decode()
