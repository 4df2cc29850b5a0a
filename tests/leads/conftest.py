import pytest


@pytest.fixture(autouse=True)
def _clear_cache(settings):
    """Rate limits live in the cache; each test starts afresh and tips need no waiting."""
    from django.core.cache import cache

    cache.clear()
    settings.LEADS_TIP_MIN_SECONDS = 0
    settings.LEADS_SECOND_REVIEW_SHARE = 0.0
    yield
    cache.clear()


@pytest.fixture
def lead_in(personas, org):
    """``lead_in(status, unit=...)``: a lead moved through the real services to ``status``."""
    from leads import services
    from organization.choices import UnitCode

    def make(status: str = "registered", unit=None, **data):
        data.setdefault("source", "public")
        if data["source"] == "public":
            data.setdefault("channel", "phone")
        data.setdefault("summary", "某公司以养老项目名义集资")
        lead, _code = services.lead_create(user=personas.street, data=data)
        if status == "registered":
            return lead
        unit = unit or org.community_a
        receiver = {org.community_a.pk: personas.community_a, org.community_b.pk: personas.community_b}.get(
            unit.pk, personas.liaison if unit == org.units[UnitCode.MARKET_REGULATION] else personas.crackdown
        )
        lead = services.lead_refer(lead=lead, user=personas.street, unit=unit)
        if status == "referred":
            return lead
        lead = services.lead_acknowledge(lead=lead, user=receiver)
        if status == "verifying":
            return lead
        lead = services.lead_feedback(lead=lead, user=receiver, findings="经核查，情况属实。")
        if status == "fed_back":
            return lead
        if status == "returned":
            return services.lead_return(lead=lead, user=personas.street, reason="材料不全")
        lead = services.lead_close(lead=lead, user=personas.street, outcome="partly")
        assert status == "closed"
        return lead

    return make
