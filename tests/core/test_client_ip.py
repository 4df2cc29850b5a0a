"""The client's address behind a reverse proxy (issue 16, item 15): X-Forwarded-For is believed
only from the configured trusted proxies, in the rate limits, the login lockout and the audit."""

import pytest
from django.urls import reverse

from core.net import client_ip
from tests.factories import UserFactory
from tests.leads.test_public import tip_data

PROXY = "10.0.0.2"


def ip(rf, remote, xff=None):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return client_ip(rf.get("/", **extra))


def test_without_trusted_proxies_the_header_is_ignored(rf, settings):
    settings.TRUSTED_PROXIES = []
    assert ip(rf, "203.0.113.7") == "203.0.113.7"
    assert ip(rf, "203.0.113.7", "198.51.100.1") == "203.0.113.7"


def test_behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client(rf, settings):
    settings.TRUSTED_PROXIES = [PROXY, "172.16.0.0/12"]
    assert ip(rf, PROXY, "198.51.100.1") == "198.51.100.1"
    # two trusted proxies in a row, and a forged entry the client put in front: ignored
    assert ip(rf, PROXY, "6.6.6.6, 198.51.100.1, 172.16.5.5") == "198.51.100.1"
    # a peer that is not a trusted proxy cannot choose its address
    assert ip(rf, "203.0.113.7", "198.51.100.1") == "203.0.113.7"
    # no header, or garbage only: the proxy itself
    assert ip(rf, PROXY) == PROXY
    assert ip(rf, PROXY, "not-an-address") == PROXY
    assert ip(rf, PROXY, "[2001:db8::1]:443") == "2001:db8::1"


@pytest.mark.django_db
def test_tip_rate_limit_counts_each_citizen_behind_the_proxy(client, org, settings):
    settings.LEADS_TIP_RATE = "2/h"
    settings.TRUSTED_PROXIES = [PROXY]
    for _ in range(2):
        assert client.post(reverse("tip:form"), tip_data(), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1")
    third = client.post(reverse("tip:form"), tip_data(), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert third.status_code == 429
    # another citizen behind the same proxy is not limited by the first one
    other = client.post(reverse("tip:form"), tip_data(), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert other.status_code == 302


@pytest.mark.django_db
def test_a_spoofed_header_from_an_untrusted_peer_does_not_escape_the_limit(client, org, settings):
    settings.LEADS_TIP_RATE = "2/h"
    settings.TRUSTED_PROXIES = [PROXY]
    for n in range(2):
        client.post(reverse("tip:form"), tip_data(), REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"1.1.1.{n}")
    spoofed = client.post(reverse("tip:form"), tip_data(), REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.1.1.9")
    assert spoofed.status_code == 429


@pytest.mark.django_db
def test_login_lockout_is_per_citizen_behind_the_proxy(client, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.TRUSTED_PROXIES = [PROXY]
    UserFactory(username="target")

    def attempt(password, xff):
        return client.post(
            reverse("login"),
            {"username": "target", "password": password},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=xff,
        )

    for _ in range(3):
        attempt("wrong", "198.51.100.66")
    assert attempt("pw-for-tests-123", "198.51.100.66").status_code == 429
    # the user at another address behind the same proxy can still sign in
    assert attempt("pw-for-tests-123", "198.51.100.10").status_code == 302


def test_the_audit_trail_records_the_client_behind_the_proxy(rf, settings, personas, org):
    from django.http import HttpResponse

    from core.audit import AuditActorMiddleware, timeline_for

    settings.TRUSTED_PROXIES = [PROXY]

    def view(request):
        org.community_a.phone = "0595-5556"
        org.community_a.save()
        return HttpResponse()

    request = rf.post("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1")
    request.user = personas.community_a
    AuditActorMiddleware(view)(request)
    assert timeline_for(org.community_a)[0].remote_addr == "198.51.100.1"
