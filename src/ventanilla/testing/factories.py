"""factory-boy factories shared by tests, benchmarks and demo tooling. Domain objects go through services."""

from __future__ import annotations

from typing import Any

import factory
from django.utils.text import slugify

from ventanilla.accounts.choices import Role
from ventanilla.accounts.models import Contract, Organization, OrganizationDomain, Team, TeamMembership, User
from ventanilla.catalog.models import Service
from ventanilla.tickets.choices import Channel
from ventanilla.tickets.models import Category, Queue, Ticket

PASSWORD = "correct horse battery staple"  # noqa: S105 - test fixture


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organisation {n}")

    @factory.post_generation
    def domains(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        for domain in extracted or ():
            OrganizationDomain.objects.create(organization=self, domain=domain)  # type: ignore[misc]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    role = Role.CUSTOMER
    language = "en"
    password = factory.django.Password(PASSWORD)


class CustomerFactory(UserFactory):
    organization = factory.SubFactory(OrganizationFactory)


class AgentFactory(UserFactory):
    role = Role.AGENT
    email = factory.Sequence(lambda n: f"agent{n}@desk.test")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")

    @factory.post_generation
    def agents(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        for user in extracted or ():
            TeamMembership.objects.get_or_create(team=self, user=user)  # type: ignore[misc]


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Queue

    name = factory.Sequence(lambda n: f"Queue {n}")
    team = factory.SubFactory(TeamFactory)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Service {n}")
    code = factory.LazyAttribute(lambda o: slugify(o.name))


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    organization = factory.SubFactory(OrganizationFactory)
    name = "Support"
    starts_on = factory.Faker("date_this_year")


def make_ticket(requester: User, *, actor: User | None = None, **fields: Any) -> Ticket:
    """A ticket created the way production creates them (through the service)."""
    from ventanilla.tickets.services import create_ticket

    fields.setdefault("title", "Printer on floor 2 does not print")
    fields.setdefault("channel", Channel.PORTAL)
    return create_ticket(actor=actor, requester=requester, **fields)
