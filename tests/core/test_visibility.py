from django.contrib.auth.models import AnonymousUser

from core.visibility import can_write, visible_to
from organization.models import Unit


def test_anonymous_and_inactive_users_see_nothing(personas, org):
    assert not visible_to(AnonymousUser(), Unit).exists()
    personas.street.is_active = False
    personas.street.save()
    personas.street.refresh_from_db()
    assert not visible_to(personas.street, Unit).exists()


def test_leaders_see_everything_but_cannot_write(personas, org):
    assert visible_to(personas.leader, Unit).count() == Unit.objects.count()
    assert not can_write(personas.leader)
    assert can_write(personas.street) and can_write(personas.community_a)


def test_a_host_unit_works_in_its_group(personas, org):
    from organization.choices import Role, UnitCode
    from tests.factories import UserFactory

    police = UserFactory(unit=org.units[UnitCode.POLICE], role=Role.UNIT_LIAISON)
    assert org.units[UnitCode.GROUP_CRACKDOWN].pk in police.scope.unit_ids


def test_leaders_may_do_no_declared_action(personas):
    """Leaders read everything and change nothing: every rule refuses them, saying why."""
    from core import rules

    for name in rules.registry():
        decision = rules.check(personas.leader, name, None)
        assert not decision and decision.kind == "who" and "只读" in decision.reason, name
