"""The API for the systems around Hulao (/api/v1/): schema, tokens, scope, creating a lead, no
informant identity but through a logged reveal, rate limits, the call log, languages."""

from __future__ import annotations

import json

import pytest
import yaml
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from api import services
from api.models import ApiCall, ApiToken
from core.models import AuditEntry
from leads import services as lead_services
from leads.models import Lead
from organization.choices import UnitCode
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db

NAME = "林秘密"
PHONE = "13912340987"
ID_NUMBER = "350582195001011234"
ADDRESS = "新塘街道某路8号"


def secrets_in(text: str) -> list[str]:
    return [s for s in (NAME, PHONE, ID_NUMBER, ADDRESS) if s in text]


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def issue(user, unit, rights=("read",), kind="system", name="区12345热线"):
    return services.token_issue(user=user, name=name, kind=kind, unit=unit, rights=list(rights), reason="对接系统")


def api(secret: str | None = None, **headers) -> Client:
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    return Client(headers=headers)


@pytest.fixture
def street_token(personas, org):
    return issue(personas.street, org.units[UnitCode.STREET_OFFICE], rights=("read", "create_lead"))


@pytest.fixture
def named_lead(personas, org):
    lead, _ = lead_services.lead_create(
        user=personas.street,
        data={
            "source": "public",
            "channel": "phone",
            "summary": "实名举报某机构",
            "informant_name": NAME,
            "informant_phone": PHONE,
            "informant_id_number": ID_NUMBER,
            "informant_address": ADDRESS,
        },
    )
    return lead_services.lead_refer(lead=lead, user=personas.street, unit=org.community_a)


def endpoints(lead_pk: int) -> list[tuple[str, str]]:
    return [
        ("get", reverse("api:schema")),
        ("get", reverse("api:docs")),
        ("get", reverse("api:leads")),
        ("post", reverse("api:leads")),
        ("get", reverse("api:lead", args=[lead_pk])),
        ("post", reverse("api:lead_reveal", args=[lead_pk])),
        ("get", reverse("api:cases")),
        ("get", reverse("api:case", args=[1])),
        ("get", reverse("api:institutions")),
        ("get", reverse("api:institution", args=[1])),
        ("get", reverse("api:figures")),
        ("post", reverse("api:transfer_closure", args=["R1"])),
    ]


def test_every_api_url_is_listed_here():
    """A new endpoint joins ``endpoints`` (and so the refusal tests)."""
    from api.urls import urlpatterns

    listed = {url for _m, url in endpoints(1)}
    for pattern in urlpatterns:
        if str(pattern.pattern).startswith("v1/"):
            args = [1] if "<int:pk>" in str(pattern.pattern) else ["R1"] if "<path:" in str(pattern.pattern) else []
            assert reverse(f"api:{pattern.name}", args=args) in listed, pattern.name


def test_the_schema_is_valid_openapi(tmp_path, street_token):
    from openapi_spec_validator import validate

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    validate(yaml.safe_load(out.read_text()))
    _token, secret = street_token
    served = api(secret).get(reverse("api:schema"), {"format": "json"})
    assert served.status_code == 200
    schema = json.loads(served.content)
    validate(schema)
    assert "/api/v1/leads/" in schema["paths"] and "/api/v1/figures/" in schema["paths"]
    assert not {"informant_name", "informant_phone"} & set(schema["components"]["schemas"]["Lead"]["properties"])


def test_every_endpoint_is_refused_without_a_token_or_with_a_revoked_one(personas, street_token, named_lead):
    token, secret = street_token
    urls = endpoints(named_lead.pk)
    for method, url in urls:
        response = getattr(api(), method)(url, content_type="application/json")
        assert response.status_code == 401, (method, url)
        assert response["WWW-Authenticate"].startswith("Bearer")
        response = getattr(api("hl_unknown"), method)(url, content_type="application/json")
        assert response.status_code == 401, (method, url)
    assert api(secret).get(reverse("api:leads")).status_code == 200
    services.token_revoke(token=token, user=personas.street, reason="系统下线")
    for method, url in urls:
        response = getattr(api(secret), method)(url, content_type="application/json")
        assert response.status_code == 401, (method, url)
        if "json" in response["Content-Type"]:
            assert "吊销" in response.json()["detail"]


def test_a_token_sees_its_units_scope_only(personas, org, named_lead):
    _t, secret_a = issue(personas.street, org.community_a, name="新塘网格")
    _t, secret_b = issue(personas.street, org.community_b, name="梧垵网格")
    other = LeadFactory(filed_by_unit=org.community_b, community=org.community_b)
    a, b = api(secret_a), api(secret_b)
    assert a.get(reverse("api:lead", args=[named_lead.pk])).status_code == 200  # referred to community A
    assert b.get(reverse("api:lead", args=[named_lead.pk])).status_code == 404
    assert a.get(reverse("api:lead", args=[other.pk])).status_code == 404
    assert [row["id"] for row in a.get(reverse("api:leads")).json()["results"]] == [named_lead.pk]
    assert [row["id"] for row in b.get(reverse("api:leads")).json()["results"]] == [other.pk]
    # figures of the unit only: the community's own leads, not the street's
    figures = a.get(reverse("api:figures")).json()
    assert figures["units"] == [org.community_a.pk] and figures["sections"]


def test_a_token_without_the_right_is_refused(personas, org, named_lead):
    _t, read_only = issue(personas.street, org.units[UnitCode.STREET_OFFICE])
    response = api(read_only).post(
        reverse("api:leads"), {"source": "grid", "summary": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    _t, create_only = issue(personas.street, org.units[UnitCode.STREET_OFFICE], rights=("create_lead",))
    assert api(create_only).get(reverse("api:leads")).status_code == 403


def test_a_lead_created_through_the_api_is_in_the_web_list_and_its_timeline(client_for, personas, street_token):
    token, secret = street_token
    response = api(secret).post(
        reverse("api:leads"),
        {
            "source": "hotline_12345",
            "summary": "热线工单：某养老公寓预收费",
            "informant_name": NAME,
            "informant_phone": PHONE,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.content.decode()
    assert not secrets_in(body) and response.json()["has_informant"] is True
    lead = Lead.objects.get(pk=response.json()["id"])
    assert (lead.source, lead.channel, lead.created_by_id) == ("public", "phone", token.user_id)
    assert lead.informant_phone == PHONE  # kept, encrypted
    web = client_for(personas.street)
    assert lead.number in web.get(reverse("leads:index")).content.decode()
    page = web.get(lead.get_absolute_url()).content.decode()
    assert "区12345热线" in page  # the timeline names the token's service user as the one who filed it
    entry = AuditEntry.objects.get(content_type__model="lead", object_pk=str(lead.pk), action=AuditEntry.Action.CREATE)
    assert entry.actor_id == token.user_id and "区12345热线" in entry.reason
    # in the list of the API too
    assert lead.pk in [row["id"] for row in api(secret).get(reverse("api:leads")).json()["results"]]


def test_a_higher_referral_and_the_intake_checks_in_drf_format(street_token):
    _t, secret = street_token
    c = api(secret)
    refused = c.post(reverse("api:leads"), {"source": "higher", "summary": "上级转办"}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json() == {"higher_reference": ["上级转办线索须填写上级转办文号。"]}
    ok = c.post(
        reverse("api:leads"),
        {
            "source": "higher",
            "summary": "上级转办",
            "higher_reference": "市专办〔2026〕12号",
            "higher_deadline": "2026-12-31",
        },
        content_type="application/json",
    )
    assert ok.status_code == 201 and ok.json()["higher_reference"] == "市专办〔2026〕12号"
    bad = c.post(reverse("api:leads"), {"source": "nonsense"}, content_type="application/json")
    assert bad.status_code == 400 and set(bad.json()) == {"source", "summary"}


def test_a_community_token_files_only_its_sources(personas, org):
    _t, secret = issue(personas.street, org.community_a, rights=("create_lead", "read"), name="新塘网格")
    c = api(secret)
    ok = c.post(reverse("api:leads"), {"source": "grid", "summary": "网格员上报"}, content_type="application/json")
    assert ok.status_code == 201 and ok.json()["community"] == org.community_a.pk
    refused = c.post(
        reverse("api:leads"),
        {"source": "review", "summary": "x", "original_case_kind": "civil"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "社区" in refused.json()["source"][0]


def test_no_informant_identity_in_any_response(personas, street_token, named_lead):
    _t, secret = street_token
    c = api(secret)
    with connection.cursor() as cursor:  # encrypted at rest
        cursor.execute("SELECT informant_name, informant_phone FROM leads_lead")
        assert not secrets_in(" ".join(cursor.fetchone()))
    for url in (
        reverse("api:leads"),
        reverse("api:lead", args=[named_lead.pk]),
        reverse("api:figures"),
        reverse("api:cases"),
        reverse("api:institutions"),
        reverse("api:schema"),
    ):
        response = c.get(url)
        assert response.status_code == 200
        assert not secrets_in(response.content.decode()), url
    refused = c.post(
        reverse("api:lead_reveal", args=[named_lead.pk]), {"reason": "核实线索"}, content_type="application/json"
    )
    assert refused.status_code == 403 and not secrets_in(refused.content.decode())


def test_reveal_needs_the_tokens_right_and_is_logged(personas, org, named_lead):
    url = reverse("api:lead_reveal", args=[named_lead.pk])
    # only a holder of the right to grant may put the reveal right on a token
    from core.exceptions import DomainError

    with pytest.raises(DomainError):
        issue(personas.street, org.units[UnitCode.STREET_OFFICE], rights=("read", "reveal"))
    personas.street.user_permissions.add(Permission.objects.get(codename="manage_grants"))
    street = type(personas.street).objects.get(pk=personas.street.pk)
    with pytest.raises(DomainError):  # and only for a street-office token
        issue(street, org.community_a, rights=("read", "reveal"))
    token, secret = issue(street, org.units[UnitCode.STREET_OFFICE], rights=("read", "reveal"), name="区平台")
    c = api(secret)
    assert c.post(url, {}, content_type="application/json").status_code == 400  # a reason is asked
    response = c.post(url, {"reason": "核实线索"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["informant_phone"] == PHONE
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(
        content_type__model="lead", object_pk=str(named_lead.pk), action=AuditEntry.Action.ACCESS
    )
    assert entry.changes == {"action": "leads.reveal"}
    assert entry.actor_id == token.user_id and entry.reason == "核实线索"
    assert not secrets_in(json.dumps(entry.changes) + entry.changes_text)
    # the service user's right withdrawn: the token's right alone is not enough
    token.user.user_permissions.clear()
    assert api(secret).post(url, {"reason": "核实线索"}, content_type="application/json").status_code == 403
    # a token without the right: refused
    _t, plain = issue(street, org.units[UnitCode.STREET_OFFICE])
    assert api(plain).post(url, {"reason": "核实线索"}, content_type="application/json").status_code == 403


def test_throttling_gives_429_in_chinese(settings, street_token):
    settings.API_THROTTLE_RATES = {"system": "3/min", "office": "3/min"}
    _t, secret = street_token
    c = api(secret)
    statuses = [c.get(reverse("api:leads")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = c.get(reverse("api:leads"))
    assert "请求过于频繁" in response.json()["detail"] and response.has_header("Retry-After")
    english = api(secret, **{"Accept-Language": "en"}).get(reverse("api:leads"))
    assert english.status_code == 429 and "Too many requests." in english.json()["detail"]


def test_every_call_is_logged_without_bodies(personas, street_token, client_for):
    token, secret = street_token
    api(secret).get(reverse("api:leads"), {"status": "registered"})
    api(secret).post(
        reverse("api:leads"),
        {"source": "grid", "summary": "网格上报", "informant_name": NAME},
        content_type="application/json",
    )
    api("hl_wrong").get(reverse("api:cases"))
    api(secret).get(reverse("api:schema"))
    calls = list(ApiCall.objects.order_by("pk").values_list("token_id", "method", "path", "status"))
    assert calls == [
        (token.pk, "GET", "/api/v1/leads/?status=registered", 200),
        (token.pk, "POST", "/api/v1/leads/", 201),
        (None, "GET", "/api/v1/cases/", 401),
        (token.pk, "GET", "/api/v1/schema/", 200),
    ]
    page = client_for(personas.street).get(reverse("api:token_detail", args=[token.pk]))
    assert page.status_code == 200 and "/api/v1/leads/?status=registered" in page.content.decode()
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_english_errors_with_accept_language(street_token):
    _t, secret = street_token
    response = api(**{"Accept-Language": "en"}).get(reverse("api:leads"))
    assert response.status_code == 401 and response.json()["detail"] == "Authentication credentials were not provided."
    response = api(secret, **{"Accept-Language": "en"}).post(
        reverse("api:leads"), {"source": "higher", "summary": "x"}, content_type="application/json"
    )
    assert response.status_code == 400
    expected = "A lead from a higher office needs the higher office's reference number."
    assert response.json()["higher_reference"] == [expected]
    assert response["Content-Language"] == "en"
    chinese = api().get(reverse("api:leads"))
    assert chinese.json()["detail"] == "身份认证信息未提供。"


def test_filters_status_and_updated_since(street_token, org, personas):
    _t, secret = street_token
    lead = LeadFactory(filed_by_unit=org.units[UnitCode.STREET_OFFICE])
    c = api(secret)
    assert [r["id"] for r in c.get(reverse("api:leads"), {"status": "registered"}).json()["results"]] == [lead.pk]
    assert c.get(reverse("api:leads"), {"status": "closed"}).json()["results"] == []
    assert c.get(reverse("api:leads"), {"updated_since": "2999-01-01"}).json()["results"] == []
    bad = c.get(reverse("api:leads"), {"updated_since": "yesterday"})
    assert bad.status_code == 400 and "updated_since" in bad.json()
    page = c.get(reverse("api:leads"), {"limit": 1}).json()
    assert page["count"] == 1 and "next" in page


def test_token_pages_are_the_street_offices(client_for, personas, street_token):
    token, _secret = street_token
    for persona in (personas.community_a, personas.liaison):
        c = client_for(persona)
        assert c.get(reverse("api:token_list")).status_code == 403
        assert c.get(reverse("api:token_detail", args=[token.pk])).status_code == 403
    leader = client_for(personas.leader).get(reverse("api:token_detail", args=[token.pk])).content.decode()
    assert token.name in leader and 'data-testid="token-revoke"' not in leader  # reads, never revokes
    street = client_for(personas.street)
    assert token.name in street.get(reverse("api:token_list")).content.decode()
    assert 'data-testid="token-revoke"' in street.get(reverse("api:token_detail", args=[token.pk])).content.decode()


def test_issuing_shows_the_secret_once(client_for, personas, org):
    street = client_for(personas.street)
    response = street.post(
        reverse("api:token_issue"),
        {
            "name": "网格系统",
            "kind": "system",
            "unit": org.community_a.pk,
            "rights": ["read", "create_lead"],
            "reason": "对接网格系统",
        },
    )
    assert response.status_code == 302 and "/shown/" in response["Location"]
    shown = street.get(response["Location"]).content.decode()
    token = ApiToken.objects.get(name="网格系统")
    secret = shown.split('data-testid="token-value">')[1].split("<")[0]
    assert services.token_for_secret(secret) == token and token.secret_hash != secret
    assert secret not in street.get(response["Location"]).content.decode()  # once
    assert token.user.has_usable_password() is False and token.user.unit == org.community_a
    assert api(secret).get(reverse("api:leads")).status_code == 200


def test_the_token_pages_in_english_show_no_chinese(client_for, personas, org, settings):
    import re

    cjk = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
    type(personas.street).objects.filter(pk=personas.street.pk).update(name="Tester")
    personas.street.name = "Tester"
    token, _secret = services.token_issue(
        user=personas.street,
        name="Hotline",
        kind="system",
        unit=org.units[UnitCode.STREET_OFFICE],
        rights=["read"],
        reason="Connect the hotline",
    )
    type(token.unit).objects.filter(pk=token.unit_id).update(name="Street office")
    street = client_for(personas.street)
    street.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for url in (reverse("api:token_list"), reverse("api:token_detail", args=[token.pk]), reverse("api:token_issue")):
        html = street.get(url).content.decode()
        main = html.split("<main", 1)[-1].split("</main>", 1)[0]
        main = re.sub(r"<option[^>]*>[^<]*</option>|<label[^>]*for=\"id_unit_\d+\"[^>]*>.*?</label>", "", main)
        found = [m.group(0) for m in cjk.finditer(main)]
        assert not found, (url, main[max(0, main.find(found[0]) - 200) : main.find(found[0]) + 50])


def test_swagger_ui_is_served_from_the_apps_own_files(client_for, personas):
    street = client_for(personas.street)
    page = street.get(reverse("api:docs"))
    html = page.content.decode()
    assert page.status_code == 200 and "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "<script>" not in html and "https://" not in html  # no inline script (CSP), no CDN
    script = street.get(reverse("api:docs"), {"script": ""})
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    assert street.get(reverse("api:schema")).status_code == 200


@pytest.mark.services
def test_the_rate_limit_counts_in_redis(settings, redis_url, street_token):
    """Several web processes share one count: the cache is Redis (as with REDIS_URL in production)."""
    settings.CACHES = {"default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": redis_url}}
    settings.API_THROTTLE_RATES = {"system": "2/min", "office": "2/min"}
    cache.clear()
    token, secret = street_token
    try:
        statuses = [api(secret).get(reverse("api:leads")).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert cache.get(f"api:throttle:t{token.pk}")  # the counter lives in Redis
    finally:
        cache.clear()
