"""Every list at province scale (issue 18): the filter form is built once per process and bound per
request (``core.filtering``), and the count stops at a cap (``core.paging``). What the user sees
must not change: the same filter form in Chinese and English, each user's own choices, a unit
added a moment ago, the filter's rows; beyond the cap, "超过 N 条" / "more than N" and pages that
stop there."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test.html import parse_html
from django.urls import reverse
from django.utils import translation
from django_filters.views import FilterView

from core.filtering import fast_filterset, is_fast
from core.forms import filter_labels, quick_selects
from core.paging import CappedPaginator
from core.templatetags.hulao_forms import quick_form
from core.views import ScopedListView
from leads.filters import LeadFilter
from leads.views import LeadListView
from organization.filters import PersonFilter
from publicity.filters import ActivityFilter
from rectification.filters import InstitutionFilter, ProblemFilter
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db

FILTERSETS = [LeadFilter, PersonFilter, InstitutionFilter, ProblemFilter, ActivityFilter]


def _plain_html(filterset_class, data, request):
    filterset = filterset_class(data, request=request)
    quick_selects(filterset.form)
    filter_labels(filterset.form)
    filterset.is_valid()
    return quick_form(filterset.form)


def _fast_html(filterset_class, data, request):
    filterset = fast_filterset(filterset_class)(data, request=request)
    assert is_fast(filterset)
    filterset.is_valid()
    return quick_form(filterset.form)


class _Request:
    def __init__(self, user):
        self.user = user


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("filterset_class", FILTERSETS, ids=lambda c: c.__name__)
def test_the_fast_filter_form_is_the_plain_one(filterset_class, language, personas, org):
    """Field by field, option by option, in both languages, unbound, bound and invalid."""
    data = {"status": "verifying", "is_major": "true", "received_after": "not a date", "unit": str(org.community_a.pk)}
    with translation.override(language):
        for user in (personas.street, personas.community_a):
            for bound in (None, data):
                request = _Request(user)
                fast = _fast_html(filterset_class, bound, request)
                assert parse_html(fast) == parse_html(_plain_html(filterset_class, bound, request))


def test_the_form_speaks_the_language_of_each_request(client_for, personas):
    client = client_for(personas.street)
    assert "全部" in client.get(reverse("leads:index")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("leads:index")).content.decode()
    assert "全部" not in html and ">All</option>" in html and "Keyword" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = client.get(reverse("leads:index")).content.decode()
    assert "全部" in html and ">All</option>" not in html


def test_each_user_gets_the_choices_they_may_see(client_for, personas, org):
    """The people list's unit filter lists the units the user may see (a callable queryset)."""
    url = reverse("organization:person_list")
    street = client_for(personas.street).get(url).context["filter"].form.fields["unit"]
    community = client_for(personas.community_a).get(url).context["filter"].form.fields["unit"]
    assert set(community.queryset) < set(street.queryset)
    assert org.community_b not in set(community.queryset)


def test_a_new_unit_shows_in_the_next_request(client_for, personas, org):
    from organization.choices import UnitKind
    from organization.models import Unit

    client = client_for(personas.street)
    assert "新设社区" not in client.get(reverse("leads:index")).content.decode()
    Unit.objects.create(name="新设社区", code="NEW-C", kind=UnitKind.COMMUNITY)
    assert "新设社区" in client.get(reverse("leads:index")).content.decode()
    org.community_a.name = "改名社区"
    org.community_a.save()
    assert "改名社区" in client.get(reverse("leads:index")).content.decode()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_filters_select_the_same_rows_in_both_languages(client_for, personas, org, language):
    LeadFactory(status="verifying", assigned_unit=org.community_a, community=org.community_a)
    LeadFactory(status="referred", assigned_unit=org.community_b, community=org.community_b)
    client = client_for(personas.street)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    rows = client.get(reverse("leads:index") + "?status=verifying").context["object_list"]
    assert [lead.status for lead in rows] == ["verifying"]
    rows = client.get(reverse("leads:index") + f"?community={org.community_b.pk}").context["object_list"]
    assert [lead.status for lead in rows] == ["referred"]
    response = client.get(reverse("leads:index") + "?received_after=junk")
    assert response.status_code == 200 and "received_after" in response.context["filter"].form.errors


def test_filters_are_still_remembered(client_for, personas, org):
    client = client_for(personas.street)
    client.get(reverse("leads:index") + "?status=verifying")
    response = client.get(reverse("leads:index"))
    assert response.status_code == 302 and response["Location"].endswith("?status=verifying")
    assert client.get(reverse("leads:index") + "?clear=1").status_code == 302
    assert client.get(reverse("leads:index")).status_code == 200


def test_every_list_counts_up_to_a_cap():
    assert issubclass(ScopedListView.paginator_class, CappedPaginator)
    for view in ScopedListView.__subclasses__():
        assert issubclass(view, FilterView)


@pytest.fixture
def capped(monkeypatch):
    monkeypatch.setattr(LeadListView, "count_cap", 30)


def _add(n, org):
    for _ in range(n):
        LeadFactory(status="verifying", assigned_unit=org.community_a, community=org.community_a)


def test_beyond_the_cap_the_list_says_more_than(client_for, personas, org, capped):
    _add(40, org)
    client = client_for(personas.street)
    response = client.get(reverse("leads:index") + "?status=verifying")
    paginator = response.context["paginator"]
    assert paginator.capped and paginator.count == 31 and paginator.num_pages == 2
    html = response.content.decode()
    assert "超过 30 条" in html and "共 40 条" not in html and 'data-testid="count-capped"' in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("leads:index") + "?status=verifying").content.decode()
    assert "more than 30 rows" in html and "40 rows" not in html


def test_pages_stop_at_the_cap(client_for, personas, org, capped):
    _add(80, org)
    client = client_for(personas.street)
    last = client.get(reverse("leads:index") + "?status=verifying&page=2")
    assert len(last.context["object_list"]) == 6  # rows 26 to 31: the count reads no further
    assert not last.context["page_obj"].has_next()
    beyond = client.get(reverse("leads:index") + "?status=verifying&page=3")
    assert beyond.status_code == 404  # as Django's list views answer a page past the end
    assert client.get(reverse("leads:index") + "?status=verifying&page=last").context["page_obj"].number == 2


def test_below_the_cap_the_count_is_exact(client_for, personas, org, capped):
    _add(30, org)  # exactly the cap: still exact
    response = client_for(personas.street).get(reverse("leads:index") + "?status=verifying")
    assert response.context["paginator"].count == 30 and not response.context["paginator"].capped
    assert "共 30 条" in response.content.decode()


def test_the_url_tag_is_djangos_with_argument_less_urls_kept():
    """``{% url %}`` (core.templatetags.hulao_urls, a builtin) answers what Django's answers."""
    from django.template import Context, Template, TemplateSyntaxError
    from django.urls import NoReverseMatch

    html = Template(
        "{% url 'leads:index' %}|{% url 'leads:detail' 7 %}|{% url name %}|{% url 'leads:index' as u %}[{{ u }}]"
        "|{% url 'no-such-url' as missing %}[{{ missing }}]|{% url 'leads:detail' pk=12 %}"
    ).render(Context({"name": "cases:index"}))
    assert html == (
        f"{reverse('leads:index')}|{reverse('leads:detail', args=[7])}|{reverse('cases:index')}"
        f"|[{reverse('leads:index')}]|[]|{reverse('leads:detail', args=[12])}"
    )
    assert Template("{% url 'leads:index' %}").render(Context()) == reverse("leads:index")  # kept: the same
    with pytest.raises(NoReverseMatch):
        Template("{% url 'no-such-url' %}").render(Context())
    with pytest.raises(TemplateSyntaxError):
        Template("{% url %}")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_translate_is_djangos_with_literals_kept(language):
    """``{% load i18n %}`` is core.templatetags.hulao_i18n: the same output as Django's tags."""
    from django.template import Context, Engine

    source = (
        "{% translate '线索' %}|{% translate '线索' as t %}[{{ t }}]|{% translate '<b>' %}|{% trans '状态' %}"
        "|{% translate '线索'|upper %}|{% translate '线索' noop %}|{% translate '五月' context '月份' %}"
        "|{% translate word %}|{% blocktranslate with n=3 %}共 {{ n }} 条{% endblocktranslate %}"
        "|{% get_current_language as lang %}{{ lang }}"
    )
    django_engine = Engine(libraries={"i18n": "django.templatetags.i18n"})
    ours = Engine(libraries={"i18n": "core.templatetags.hulao_i18n"})
    with translation.override(language):
        for autoescape in (True, False):
            context = {"word": "状态"}
            template = django_engine.from_string("{% load i18n %}" + source)
            expected = template.render(Context(context, autoescape=autoescape))
            for _ in range(2):  # the second time from what was kept
                got = ours.from_string("{% load i18n %}" + source).render(Context(context, autoescape=autoescape))
                assert got == expected
    assert "i18n" in settings.TEMPLATES[0]["OPTIONS"]["libraries"]
