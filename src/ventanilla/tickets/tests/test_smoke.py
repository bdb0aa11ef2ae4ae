from ventanilla.testing.factories import make_ticket
from ventanilla.tickets.models import Ticket


def test_customer_opens_ticket_with_number(personas):
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a)
    assert ticket.number == f"INC-{ticket.pk:06d}"
    assert Ticket.objects.get(pk=ticket.pk).organization == personas.org_a
