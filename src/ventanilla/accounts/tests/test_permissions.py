"""Permission matrix for people, organisations, contracts and teams (expected tables written by hand)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from ventanilla.accounts.models import (
    APIToken,
    Contract,
    Organization,
    OrganizationDomain,
    Team,
    TeamMembership,
    User,
)
from ventanilla.accounts.services import create_token
from ventanilla.core.permissions import restrict
from ventanilla.testing.factories import ContractFactory

pytestmark = pytest.mark.django_db

PEOPLE = [
    "customer_a",
    "colleague_a",
    "customer_manager_a",
    "customer_b",
    "agent_1",
    "agent_2",
    "lead_1",
    "manager",
    "admin",
]
CUSTOMERS = {"customer_a", "colleague_a", "customer_manager_a", "customer_b"}
EVERYONE = set(PEOPLE)
ORG_A = {"customer_a", "colleague_a", "customer_manager_a"}

# persona → (users they may view, users they may change)
USERS: dict[str, tuple[set[str], set[str]]] = {
    "customer_a": ({"customer_a"}, {"customer_a"}),
    "colleague_a": ({"colleague_a"}, {"colleague_a"}),
    "customer_manager_a": (ORG_A, {"customer_manager_a"}),
    "customer_b": ({"customer_b"}, {"customer_b"}),
    "agent_1": (EVERYONE, CUSTOMERS | {"agent_1"}),
    "agent_2": (EVERYONE, CUSTOMERS | {"agent_2"}),
    "lead_1": (EVERYONE, CUSTOMERS | {"lead_1"}),
    "manager": (EVERYONE, EVERYONE),
    "admin": (EVERYONE, EVERYONE),
}


def names(p, queryset) -> set[str]:
    ids = set(queryset.values_list("pk", flat=True))
    return {n for n in PEOPLE if getattr(p, n).pk in ids}


@pytest.mark.parametrize("who", PEOPLE)
def test_user_matrix(personas, who):
    user = getattr(personas, who)
    view, change = USERS[who]
    assert names(personas, restrict(User.objects.all(), user, "view")) == view
    assert names(personas, restrict(User.objects.all(), user, "change")) == change


def test_sharing_organisation_lets_members_see_each_other(personas):
    personas.org_a.shares_tickets = True
    personas.org_a.save()
    customer_a = User.objects.get(pk=personas.customer_a.pk)
    assert names(personas, restrict(User.objects.all(), customer_a, "view")) == ORG_A
    assert names(personas, restrict(User.objects.all(), customer_a, "change")) == {"customer_a"}
    customer_b = User.objects.get(pk=personas.customer_b.pk)
    assert names(personas, restrict(User.objects.all(), customer_b, "view")) == {"customer_b"}


@pytest.mark.parametrize("user", ["anonymous", "inactive"])
def test_nobody_without_an_active_account_sees_anything(personas, user):
    actor = AnonymousUser()
    if user == "inactive":
        actor = personas.admin
        actor.is_active = False
    for model in (User, Organization, Contract, Team, TeamMembership, OrganizationDomain, APIToken):
        assert not restrict(model.objects.all(), actor, "view").exists()


# persona → (organisations viewable, organisations changeable)
ORGS: dict[str, tuple[set[str], set[str]]] = {
    "customer_a": ({"org_a"}, set()),
    "colleague_a": ({"org_a"}, set()),
    "customer_manager_a": ({"org_a"}, set()),
    "customer_b": ({"org_b"}, set()),
    "agent_1": ({"org_a", "org_b"}, set()),
    "agent_2": ({"org_a", "org_b"}, set()),
    "lead_1": ({"org_a", "org_b"}, set()),
    "manager": ({"org_a", "org_b"}, {"org_a", "org_b"}),
    "admin": ({"org_a", "org_b"}, {"org_a", "org_b"}),
}


@pytest.mark.parametrize("who", PEOPLE)
def test_organisation_matrix(personas, who):
    user = getattr(personas, who)

    def seen(action):
        ids = set(restrict(Organization.objects.all(), user, action).values_list("pk", flat=True))
        return {n for n in ("org_a", "org_b") if getattr(personas, n).pk in ids}

    assert (seen("view"), seen("change")) == ORGS[who]
    assert seen("delete") == ORGS[who][1]


# persona → (contracts viewable, contracts changeable)
CONTRACTS: dict[str, tuple[set[str], set[str]]] = {
    "customer_a": (set(), set()),
    "colleague_a": (set(), set()),
    "customer_manager_a": ({"a"}, set()),
    "customer_b": (set(), set()),
    "agent_1": ({"a", "b"}, set()),
    "agent_2": ({"a", "b"}, set()),
    "lead_1": ({"a", "b"}, set()),
    "manager": ({"a", "b"}, {"a", "b"}),
    "admin": ({"a", "b"}, {"a", "b"}),
}


@pytest.mark.parametrize("who", PEOPLE)
def test_contract_matrix(personas, who):
    contracts = {
        "a": ContractFactory(organization=personas.org_a),
        "b": ContractFactory(organization=personas.org_b),
    }
    user = getattr(personas, who)

    def seen(action):
        ids = set(restrict(Contract.objects.all(), user, action).values_list("pk", flat=True))
        return {k for k, c in contracts.items() if c.pk in ids}

    assert (seen("view"), seen("change")) == CONTRACTS[who]


# persona → (teams viewable, teams changeable)
TEAMS: dict[str, tuple[set[str], set[str]]] = {
    "customer_a": (set(), set()),
    "colleague_a": (set(), set()),
    "customer_manager_a": (set(), set()),
    "customer_b": (set(), set()),
    "agent_1": ({"team_1", "team_2"}, set()),
    "agent_2": ({"team_1", "team_2"}, set()),
    "lead_1": ({"team_1", "team_2"}, {"team_1"}),  # leads manage their own team only
    "manager": ({"team_1", "team_2"}, {"team_1", "team_2"}),
    "admin": ({"team_1", "team_2"}, {"team_1", "team_2"}),
}


@pytest.mark.parametrize("who", PEOPLE)
def test_team_matrix(personas, who):
    user = getattr(personas, who)

    def seen(model_qs, action, key):
        ids = set(restrict(model_qs, user, action).values_list(key, flat=True))
        return {n for n in ("team_1", "team_2") if getattr(personas, n).pk in ids}

    assert (seen(Team.objects.all(), "view", "pk"), seen(Team.objects.all(), "change", "pk")) == TEAMS[who]
    staff = who not in CUSTOMERS
    admin_side = who in ("manager", "admin")
    assert restrict(TeamMembership.objects.all(), user, "view").exists() == staff
    assert restrict(TeamMembership.objects.all(), user, "change").exists() == admin_side
    assert restrict(OrganizationDomain.objects.all(), user, "view").exists() == staff
    assert restrict(OrganizationDomain.objects.all(), user, "change").exists() == admin_side


def test_plain_member_of_a_team_is_not_its_lead(personas):
    TeamMembership.objects.create(team=personas.team_2, user=personas.lead_1, is_lead=False)
    ids = set(restrict(Team.objects.all(), personas.lead_1, "change").values_list("pk", flat=True))
    assert ids == {personas.team_1.pk}


def test_tokens_visible_to_owner_and_admin_only(personas):
    own, _ = create_token(actor=personas.agent_1, user=personas.agent_1)
    other, _ = create_token(actor=personas.customer_a, user=personas.customer_a)
    assert set(restrict(APIToken.objects.all(), personas.agent_1, "view")) == {own}
    assert set(restrict(APIToken.objects.all(), personas.customer_a, "view")) == {other}
    assert set(restrict(APIToken.objects.all(), personas.manager, "view")) == set()
    assert set(restrict(APIToken.objects.all(), personas.admin, "view")) == {own, other}
