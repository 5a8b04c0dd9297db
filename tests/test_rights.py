"""The district rule, written once (``domain.rights.may_write``): a user's right to edit,
the services' check and the pages' check all answer from it."""

from __future__ import annotations

import pytest

from landbank.domain.rights import User, check_district, may_write
from landbank.errors import ForbiddenError

ADMIN = User("a", "admin")
CLERK_OF_ALL = User("c", "clerk")
CLERK = User("x", "clerk", ("薛城区",))
VIEWER = User("v", "viewer")


@pytest.mark.parametrize(
    ("user", "district", "allowed"),
    [
        (ADMIN, "薛城区", True),
        (ADMIN, None, True),
        (CLERK_OF_ALL, "市中区", True),
        (CLERK_OF_ALL, None, True),
        (CLERK, "薛城区", True),
        (CLERK, "市中区", False),
        (CLERK, None, False),
        (VIEWER, "薛城区", False),
        (VIEWER, None, False),
    ],
)
def test_the_district_rule_is_one_predicate(user, district, allowed):
    assert may_write(user.write_districts, district) is allowed
    assert user.may_edit(district) is allowed
    if allowed:
        check_district(user.write_districts, district, "parcel", "P-1")
    else:
        with pytest.raises(ForbiddenError, match="parcel P-1 lies in"):
            check_district(user.write_districts, district, "parcel", "P-1")


def test_the_command_line_operator_writes_everywhere():
    assert may_write(None, None) and may_write(None, "任何区")
