"""The claim -> role mapping as a property: whatever groups a provider sends, in any order,
repeated, mixed with groups RectoPlan does not know, as one string or a list, at the top or
inside an object, the role is the highest one mapped, and none when none is mapped."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rectoplan.registry.users import Role
from rectoplan.web.oidc.claims import identity, mapped_role
from rectoplan.web.oidc.config import OidcSettings

MAPPING = {
    "rectoplan-admins": "admin",
    "rectoplan-coordinators": "coordinator",
    "RectoPlan.Clinician": "clinician",
    "cn=mdt-readers,ou=groups": "viewer",
}
RANK = {"viewer": 0, "clinician": 1, "coordinator": 2, "admin": 3}  # README's order of roles


def _settings(claim: str = "groups") -> OidcSettings:
    return OidcSettings(
        issuer="https://login.hospital.example",
        client_id="rectoplan",
        client_secret="x",
        redirect_base="https://rectoplan.hospital.example",
        roles=MAPPING,
        role_claim=claim,
    )


groups = st.lists(st.one_of(st.sampled_from(sorted(MAPPING)), st.text(max_size=20)), max_size=12)


@given(groups)
def test_the_role_is_the_highest_mapped_one_or_none(held):
    expected = max((MAPPING[g] for g in held if g in MAPPING), key=RANK.get, default=None)
    assert mapped_role({"groups": held}, _settings()) == expected
    nested = {"realm_access": {"roles": held}}
    assert mapped_role(nested, _settings("realm_access.roles")) == expected


@given(st.sampled_from(sorted(MAPPING)))
def test_one_string_counts_like_a_list_of_one(value):
    assert mapped_role({"role": value}, _settings("role")) == Role(MAPPING[value])


def test_a_claim_of_another_shape_grants_nothing():
    for value in (None, 3, {"rectoplan-admins": True}, [["rectoplan-admins"]]):
        assert mapped_role({"groups": value}, _settings()) is None
    assert (
        mapped_role({"realm_access": "rectoplan-admins"}, _settings("realm_access.roles")) is None
    )


def test_the_full_name_falls_back_to_given_and_family_names():
    claims = {"iss": "i", "sub": "s", "given_name": "Li", "family_name": "Wei", "groups": []}
    who = identity(claims, _settings())
    assert (who.full_name, who.role, who.preferred_name) == ("Li Wei", None, None)
