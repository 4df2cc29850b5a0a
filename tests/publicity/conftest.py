import pytest

from organization.choices import Role, UnitCode


@pytest.fixture
def publicity_member(org):
    """A member of the publicity group (宣教组), who sees every activity and survey."""
    from tests.factories import UserFactory

    return UserFactory(username="publicity", unit=org.units[UnitCode.GROUP_PUBLICITY], role=Role.GROUP_MEMBER)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path
