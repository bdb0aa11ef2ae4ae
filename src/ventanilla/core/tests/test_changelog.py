"""The generic change log: who, when, under which request, before → after, for every logged model."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from ventanilla.accounts.models import Organization, Team, User
from ventanilla.accounts.services import create_user
from ventanilla.catalog.models import Service
from ventanilla.core.context import acting_as, current_actor, current_request_id
from ventanilla.core.models import ChangeAction, ChangeLogEntry, ChangeLoggedModel
from ventanilla.core.services import delete_reference, save_reference, update_reference
from ventanilla.testing.factories import make_ticket
from ventanilla.tickets.models import Category, Queue, Ticket
from ventanilla.tickets.services import transition_ticket, update_ticket

pytestmark = pytest.mark.django_db


def entries_for(obj):
    return ChangeLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).order_by("id")


def test_create_update_delete_with_actor_and_request_id(personas):
    with acting_as(personas.admin, "req-create"):
        org = save_reference(Organization(name="Initech"), actor=personas.admin)
    with acting_as(personas.admin, "req-update"):
        update_reference(org, {"vip": True, "notes": "Important"}, actor=personas.admin)
    pk = org.pk
    with acting_as(personas.manager, "req-delete"):
        delete_reference(org, actor=personas.manager)
    created, updated, deleted = ChangeLogEntry.objects.filter(
        content_type__model="organization", object_id=str(pk)
    ).order_by("id")
    assert (created.action, created.actor, created.request_id) == (
        ChangeAction.CREATE,
        personas.admin,
        "req-create",
    )
    assert created.before is None and created.after["name"] == "Initech"
    assert (updated.action, updated.request_id) == (ChangeAction.UPDATE, "req-update")
    assert updated.before == {"vip": False, "notes": ""}
    assert updated.after == {"vip": True, "notes": "Important"}  # only what changed, no updated_at
    assert (deleted.action, deleted.actor, deleted.request_id) == (
        ChangeAction.DELETE,
        personas.manager,
        "req-delete",
    )
    assert deleted.before["name"] == "Initech" and deleted.after is None
    assert deleted.object_repr == "Initech"


def test_plain_save_without_snapshot_still_records_before(personas):
    """Django admin and scripts call save() without snapshot(): the log still shows the old values."""
    org = Organization.objects.get(pk=personas.org_a.pk)
    org.vip = True
    with acting_as(personas.admin, "req-admin"):
        org.save()
    entry = entries_for(org).last()
    assert entry.action == ChangeAction.UPDATE
    assert entry.before == {"vip": False} and entry.after == {"vip": True}
    assert entry.actor == personas.admin


def test_second_save_on_same_instance_diffs_against_first(personas):
    team = Team.objects.get(pk=personas.team_1.pk)
    team.description = "one"
    team.save()
    team.description = "two"
    team.save()
    last = entries_for(team).last()
    assert last.before == {"description": "one"} and last.after == {"description": "two"}


def test_unchanged_save_is_not_logged(personas):
    before = ChangeLogEntry.objects.count()
    team = Team.objects.get(pk=personas.team_1.pk)
    team.save()  # only updated_at moves
    assert ChangeLogEntry.objects.count() == before


def test_without_actor_the_entry_is_anonymous(personas):
    assert current_actor() is None
    org = Organization.objects.create(name="Nobody's")
    entry = entries_for(org).get()
    assert entry.actor is None and entry.request_id == ""


def test_acting_as_nests_and_restores():
    with acting_as(None, "outer"):
        assert current_request_id() == "outer"
        with acting_as(None):
            assert current_request_id() == "outer"  # a service inside a request keeps the request id
        with acting_as(None, "inner"):
            assert current_request_id() == "inner"
        assert current_request_id() == "outer"
    assert current_request_id() == ""
    with acting_as(None):
        generated = current_request_id()
        assert len(generated) == 32
    assert current_request_id() == ""


def test_anonymous_user_is_not_an_actor():
    from django.contrib.auth.models import AnonymousUser

    with acting_as(AnonymousUser()):
        assert current_actor() is None


def test_password_never_logged(personas):
    with acting_as(personas.admin, "req-user"):
        user = create_user(actor=personas.admin, email="secret@acme.test", password="Hunter2-hunter2")
        user.set_password("Changed-Again-1")
        user.save()
        update_reference(user, {"phone": "+34 600 000 000"}, actor=personas.admin)
    entries = list(entries_for(user))
    assert [e.action for e in entries] == [
        ChangeAction.CREATE,
        ChangeAction.UPDATE,
    ]  # password change: no entry
    for entry in entries:
        for data in (entry.before or {}, entry.after or {}):
            assert "password" not in data and "last_login" not in data
            assert user.password not in repr(data)
    assert entries[1].after == {"phone": "+34 600 000 000"}


def test_ticket_changes_logged_by_services_with_request_id(personas):
    with acting_as(personas.customer_a, "req-t1"):
        ticket = make_ticket(
            personas.customer_a, actor=personas.customer_a, description_html="<p>secret html</p>"
        )
    with acting_as(personas.agent_1, "req-t2"):
        update_ticket(actor=personas.agent_1, ticket=ticket, changes={"title": "Renamed"})
        transition_ticket(actor=personas.agent_1, ticket=ticket, to="in_progress")
    create, rename, move = entries_for(ticket)
    assert (create.action, create.request_id, create.actor) == ("create", "req-t1", personas.customer_a)
    assert "description_html" not in create.after
    assert (rename.request_id, rename.actor) == ("req-t2", personas.agent_1)
    assert set(rename.after) == {"title", "version"}
    assert move.before == {"status": "new", "version": 2} and move.after["status"] == "in_progress"
    assert set(move.after) == {"status", "version"}


def test_ticket_delete_logged(personas):
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a)
    pk = ticket.pk
    with acting_as(personas.admin, "req-del"):
        Ticket.objects.get(pk=pk).delete()
    entry = ChangeLogEntry.objects.get(content_type__model="ticket", object_id=str(pk), action="delete")
    assert entry.actor == personas.admin and entry.before["number"] == ticket.number


@pytest.mark.parametrize("model", [Organization, Team, User, Service, Queue, Category, Ticket])
def test_models_are_change_logged(model):
    assert issubclass(model, ChangeLoggedModel)


def test_reference_validation_is_refused_with_code_and_nothing_written(personas):
    from ventanilla.core.errors import ValidationFailed

    before = ChangeLogEntry.objects.count()
    with pytest.raises(ValidationFailed) as info:
        save_reference(Organization(name="Acme Corp"), actor=personas.admin)  # duplicate name
    assert info.value.code == "invalid" and "name" in info.value.extra["errors"]
    assert ChangeLogEntry.objects.count() == before


def test_in_use_reference_cannot_be_deleted(personas):
    from ventanilla.core.errors import Conflict

    with pytest.raises(Conflict) as info:
        delete_reference(personas.org_a, actor=personas.admin)  # members point at it (PROTECT)
    assert info.value.code == "in_use"
    assert Organization.objects.filter(pk=personas.org_a.pk).exists()
    assert not ChangeLogEntry.objects.filter(action="delete", content_type__model="organization").exists()


def test_m2m_saved_with_reference(personas):
    from ventanilla.accounts.models import Contract
    from ventanilla.testing.factories import ServiceFactory

    mail = ServiceFactory(name="Mail")
    contract = save_reference(
        Contract(organization=personas.org_a, name="Gold", starts_on="2026-01-01"),
        actor=personas.admin,
        m2m={"services": [mail]},
    )
    assert list(contract.services.all()) == [mail]
    from ventanilla.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        update_reference(contract, {"ends_on": "2025-01-01"}, actor=personas.admin)  # ends before it starts
