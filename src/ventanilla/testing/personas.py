"""The cast every permission test uses: two customer organisations, two teams, and the desk's hierarchy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from ventanilla.accounts.choices import Role
from ventanilla.accounts.models import Organization, Team, TeamMembership, User

from .factories import OrganizationFactory, TeamFactory, UserFactory


@dataclass
class Personas:
    org_a: Organization
    org_b: Organization
    team_1: Team
    team_2: Team
    customer_a: User  # plain customer of org A
    colleague_a: User  # another customer of org A
    customer_manager_a: User  # sees all of org A's tickets
    customer_b: User  # the outsider: another organisation
    agent_1: User  # member of team 1
    agent_2: User  # member of team 2
    lead_1: User  # team lead of team 1
    manager: User  # service-desk manager
    admin: User


def build_personas() -> Personas:
    # Factories return model instances; cast() tells the type checker so.
    org_a = cast(Organization, OrganizationFactory(name="Acme Corp", domains=["acme.test"]))
    org_b = cast(Organization, OrganizationFactory(name="Globex", domains=["globex.test"]))
    team_1 = cast(Team, TeamFactory(name="Service Desk L1"))
    team_2 = cast(Team, TeamFactory(name="Networks L2"))

    def person(email: str, role: str, org: Organization | None = None) -> User:
        user = UserFactory(
            email=email, full_name=email.split("@")[0].replace(".", " ").title(), role=role, organization=org
        )
        return cast(User, user)

    p = Personas(
        org_a=org_a,
        org_b=org_b,
        team_1=team_1,
        team_2=team_2,
        customer_a=person("ana@acme.test", Role.CUSTOMER, org_a),
        colleague_a=person("carlos@acme.test", Role.CUSTOMER, org_a),
        customer_manager_a=person("marta@acme.test", Role.CUSTOMER_MANAGER, org_a),
        customer_b=person("bob@globex.test", Role.CUSTOMER, org_b),
        agent_1=person("agent1@desk.test", Role.AGENT),
        agent_2=person("agent2@desk.test", Role.AGENT),
        lead_1=person("lead1@desk.test", Role.TEAM_LEAD),
        manager=person("manager@desk.test", Role.MANAGER),
        admin=person("admin@desk.test", Role.ADMIN),
    )
    TeamMembership.objects.create(team=team_1, user=p.agent_1)
    TeamMembership.objects.create(team=team_1, user=p.lead_1, is_lead=True)
    TeamMembership.objects.create(team=team_2, user=p.agent_2)
    return p
