"""Demo data for trying Ventanilla: ``build_demo()`` (used by ``ventanilla demo``) and the demo logins.

Rules:
- Every domain write goes through the services (accounts.services.create_user, core.services.save_reference,
  tickets.services.*), so the demo exercises the same code paths, change log and timeline as real use.
- Idempotent: each object is looked up by its natural key first; tickets are only generated when the demo
  organisations have none. Running it twice changes nothing.
- Deterministic: one seeded random generator drives every choice.
- Two deliberate shortcuts, both bulk UPDATEs after the services have done their work and both marked
  below: the demo password is hashed once for every account (a full-strength hash per user would
  dominate the run time) and ticket history is backdated over the last four months so it looks lived-in.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone

from ventanilla.accounts.choices import Role
from ventanilla.accounts.models import Contract, Organization, OrganizationDomain, Team, TeamMembership, User
from ventanilla.accounts.services import create_user
from ventanilla.catalog.models import Service
from ventanilla.core.services import save_reference
from ventanilla.tickets import services as ts
from ventanilla.tickets.choices import Channel, LinkKind, ResolutionCode, Status, TicketType, TimelineKind
from ventanilla.tickets.models import Category, Comment, Queue, Ticket, TimelineEntry

from .data import MONITORING, ORGANIZATIONS, SCENARIOS, SERVICES, STAFF, TEAMS, TEXTS, OrgSpec, Scenario

SEED = 20_240_611
DEFAULT_TICKETS = 200
HISTORY_DAYS = 120
# One password for every demo account: hashing is deliberately slow, and one hash keeps the demo fast.
DEMO_PASSWORD = "ventanilla-demo"  # noqa: S105 - public on purpose: printed for anyone trying the demo


def _label(role: Role) -> str:
    # Stays lazy, so the label is translated when printed, in the language active then.
    return cast(str, role.label)


# (role, e-mail, password) of the accounts worth trying; `ventanilla run` and `ventanilla demo` print them.
DEMO_LOGINS: list[tuple[str, str, str]] = [
    (_label(Role.ADMIN), "admin@ventanilla.local", DEMO_PASSWORD),
    (_label(Role.MANAGER), "manager@ventanilla.local", DEMO_PASSWORD),
    (_label(Role.TEAM_LEAD), "lead@ventanilla.local", DEMO_PASSWORD),
    (_label(Role.AGENT), "agent@ventanilla.local", DEMO_PASSWORD),
    (_label(Role.CUSTOMER_MANAGER), "lucia.fernandez@alcala-abogados.example", DEMO_PASSWORD),
    (_label(Role.CUSTOMER), "jose.mendoza@tepeyac.example", DEMO_PASSWORD),
    (_label(Role.CUSTOMER), "david.johnson@lakesideclinic.example", DEMO_PASSWORD),
]

Progress = Callable[[str], None]

# Status mix by age: old tickets are mostly finished, recent ones mostly open.
OLD_MIX = {
    Status.CLOSED: 60,
    Status.CANCELLED: 7,
    Status.RESOLVED: 8,
    Status.IN_PROGRESS: 2,
    Status.PENDING_THIRD_PARTY: 1,
    Status.PENDING_CHANGE: 1,
}
RECENT_MIX = {
    Status.NEW: 8,
    Status.ASSIGNED: 12,
    Status.IN_PROGRESS: 18,
    Status.PENDING_CUSTOMER: 8,
    Status.PENDING_THIRD_PARTY: 5,
    Status.PENDING_CHANGE: 4,
    Status.RESOLVED: 14,
    Status.CLOSED: 6,
    Status.CANCELLED: 3,
}
CHANNEL_MIX = {
    Channel.PORTAL: 30,
    Channel.EMAIL: 25,
    Channel.PHONE: 15,
    Channel.CHAT: 10,
    Channel.WALK_IN: 4,
    Channel.REMOTE: 5,
    Channel.API: 5,
    Channel.MONITORING: 6,
}
ORG_MIX = {"alcala": 35, "tepeyac": 40, "lakeside": 25}
STAFF_CHANNELS = {Channel.PHONE, Channel.CHAT, Channel.WALK_IN, Channel.REMOTE}
RESOLUTION = {
    TicketType.INCIDENT: ResolutionCode.SOLVED,
    TicketType.REQUEST: ResolutionCode.FULFILLED,
    TicketType.QUESTION: ResolutionCode.ANSWERED,
}


def email_for(full_name: str, domain: str) -> str:
    """``"María Guadalupe Torres Díaz"`` → ``maria.torres@domain`` (first name and first surname, ASCII)."""
    parts = full_name.split()
    first, last = parts[0], parts[-2] if len(parts) >= 3 else parts[-1]

    def fold(text: str) -> str:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return "".join(ch for ch in text.lower() if ch.isalnum())

    return f"{fold(first)}.{fold(last)}@{domain}"


def _weighted(rng: random.Random, mix: dict[Any, int]) -> Any:
    return rng.choices(list(mix), weights=list(mix.values()))[0]


class DemoBuilder:
    def __init__(self, *, tickets: int = DEFAULT_TICKETS, progress: Progress | None = None) -> None:
        self.rng = random.Random(SEED)
        self.ticket_count = tickets
        self.say: Progress = progress or (lambda message: None)
        self.created: Counter[str] = Counter()
        self.new_users: list[int] = []  # created in this run: they get the demo password
        self.people: dict[int, User] = {}  # one object per person, so per-user memos (team ids) stick
        self.staff: dict[str, User] = {}
        self.teams: dict[str, Team] = {}
        self.team_agents: dict[str, list[User]] = defaultdict(list)
        self.queues: dict[str, list[Queue]] = defaultdict(list)
        self.services: dict[str, Service] = {}
        self.categories: dict[tuple[str, str, str], Category] = {}
        self.orgs: dict[str, Organization] = {}
        self.specs: dict[str, OrgSpec] = {spec.key: spec for spec in ORGANIZATIONS}
        self.customers: dict[str, list[User]] = defaultdict(list)
        # Backdating bookkeeping: the timeline id each step ended at, and which ticket the step belonged to.
        self.marks: list[tuple[int, int]] = []
        self.starts: dict[int, datetime] = {}

    # --- entry point --------------------------------------------------------------------------------------
    def build(self) -> Counter[str]:
        with transaction.atomic():  # all or nothing, and one commit keeps SQLite fast
            self.build_staff()
            self.build_teams()
            self.build_catalogue()
            self.build_customers()
            self.set_passwords()
            self.build_tickets()
        return self.created

    # --- people, teams, catalogue -------------------------------------------------------------------------
    def _user(self, actor: User | None, email: str, **fields: Any) -> User:
        existing = User.objects.filter(email__iexact=email).first()
        if existing:
            return existing
        user = create_user(actor=actor, email=email, **fields)
        self.new_users.append(user.pk)
        self.created["users"] += 1
        return user

    def build_staff(self) -> None:
        self.say("Staff…")
        admin: User | None = None
        for spec in STAFF:
            user = self._user(
                admin,
                spec.email,
                full_name=spec.full_name,
                role=spec.role,
                language=spec.language,
                time_zone=spec.time_zone,
                phone=spec.phone,
            )
            admin = admin or user
            self.staff[spec.email] = user

    @property
    def admin(self) -> User:
        return self.staff["admin@ventanilla.local"]

    @property
    def manager(self) -> User:
        return self.staff["manager@ventanilla.local"]

    def _reference(
        self,
        model: type[Any],
        lookup: dict[str, Any],
        values: dict[str, Any],
        m2m: dict[str, Any] | None = None,
    ) -> Any:
        existing = model.objects.filter(**lookup).first()
        if existing:
            return existing
        self.created[model._meta.model_name] += 1
        return save_reference(model(**lookup, **values), actor=self.admin, m2m=m2m)

    def build_teams(self) -> None:
        self.say("Teams and queues…")
        for key, name, email, strategy, description, queues in TEAMS:
            team = self._reference(
                Team,
                {"name": name},
                {"email": email, "assignment_strategy": strategy, "description": description},
            )
            self.teams[key] = team
            for queue_name in queues:
                self.queues[key].append(self._reference(Queue, {"name": queue_name}, {"team": team}))
        for spec in STAFF:
            if spec.team:
                user = self.staff[spec.email]
                self._reference(
                    TeamMembership, {"team": self.teams[spec.team], "user": user}, {"is_lead": spec.is_lead}
                )
                self.team_agents[spec.team].append(user)

    def build_catalogue(self) -> None:
        self.say("Service catalogue…")
        for code, (name, team_key, description, tree) in SERVICES.items():
            service = self._reference(
                Service,
                {"code": code},
                {"name": name, "description": description, "owner_team": self.teams[team_key]},
            )
            self.services[code] = service
            for top_name, children in tree.items():
                top = self._reference(Category, {"parent": None, "name": top_name}, {"service": service})
                for child_name in children:
                    child = self._reference(
                        Category, {"parent": top, "name": child_name}, {"service": service}
                    )
                    self.categories[(code, top_name, child_name)] = child

    def build_customers(self) -> None:
        self.say("Customers and contracts…")
        today = timezone.localdate()
        for spec in ORGANIZATIONS:
            org = self._reference(
                Organization,
                {"name": spec.name},
                {
                    "vip": spec.vip,
                    "shares_tickets": spec.shares_tickets,
                    "notes": spec.notes,
                    "account_contact": self.manager,
                },
            )
            self.orgs[spec.key] = org
            self._reference(OrganizationDomain, {"domain": spec.domain}, {"organization": org})
            self._reference(
                Contract,
                {"organization": org, "name": spec.contract_name},
                {
                    "reference": spec.contract_reference,
                    "starts_on": date(today.year - 1, 1, 1),
                    "ends_on": None if spec.vip else date(today.year + 1, 12, 31),
                },
                m2m={"services": [self.services[code] for code in spec.services]},
            )
            for full_name, is_manager in spec.people:
                digits = self.rng.randrange(10 ** (spec.phone_digits - 1), 10**spec.phone_digits)
                phone = f"{spec.phone_prefix}{digits}"
                user = self._user(
                    self.admin,
                    email_for(full_name, spec.domain),
                    full_name=full_name,
                    role=Role.CUSTOMER_MANAGER if is_manager else Role.CUSTOMER,
                    organization=org,
                    language=spec.language,
                    time_zone=spec.time_zone,
                    phone=phone,
                )
                self.customers[spec.key].append(user)

    def set_passwords(self) -> None:
        """Give the accounts created in this run the demo password.

        Shortcut (deliberate): create_user stored an unusable password; the demo password is hashed once
        with the configured hasher and written with one UPDATE, because a full-strength hash per user would
        make the demo take many seconds. Passwords are not domain state and the change log excludes them.
        """
        if self.new_users:
            self.say("Passwords…")
            User.objects.filter(pk__in=self.new_users).update(password=make_password(DEMO_PASSWORD))
        for user in [*self.staff.values(), *(u for people in self.customers.values() for u in people)]:
            self.people[user.pk] = user

    # --- tickets ------------------------------------------------------------------------------------------
    def build_tickets(self) -> None:
        if Ticket.objects.filter(organization__in=list(self.orgs.values())).exists():
            self.say("Tickets already present: nothing to add.")
            return
        self.first_entry = TimelineEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        self.last_entry = self.first_entry
        # Listening is cheaper than asking the database for the newest entry after every step.
        post_save.connect(self._seen_entry, sender=TimelineEntry, dispatch_uid="demo-timeline")
        try:
            self._generate()
        finally:
            post_save.disconnect(sender=TimelineEntry, dispatch_uid="demo-timeline")

    def _generate(self) -> None:
        stories = self.ticket_count >= 20
        plans = self.plan(self.ticket_count - (6 if stories else 0))
        self.say(f"Tickets (0/{self.ticket_count})…")
        made: list[tuple[Ticket, Scenario]] = []
        now = timezone.now()
        for i, (org_key, scenario, status, channel) in enumerate(plans):
            start = (
                now
                - timedelta(days=HISTORY_DAYS) * (1 - i / len(plans))
                - timedelta(minutes=self.rng.randrange(30, 600))
            )
            ticket = self.play(org_key, scenario, status, channel, start)
            made.append((ticket, scenario))
            if (i + 1) % 25 == 0:
                self.say(f"Tickets ({i + 1}/{self.ticket_count})…")
        if stories:
            self.stories(made, now)
        self.backdate(now)
        self.created["tickets"] = Ticket.objects.filter(organization__in=list(self.orgs.values())).count()
        self.say(f"Tickets ({self.created['tickets']}/{self.ticket_count}).")

    def _scenarios_for(self, org_key: str, monitoring: bool) -> list[Scenario]:
        covered = set(self.specs[org_key].services)
        pool = MONITORING if monitoring else SCENARIOS
        return [s for s in pool if s.service in covered and (not s.orgs or org_key in s.orgs)]

    def plan(self, n: int) -> list[tuple[str, Scenario, str, str]]:
        """Who asks what, in which final status and by which channel; every status, channel, type appears."""
        rows: list[list[Any]] = []
        for i in range(n):
            org_key = _weighted(self.rng, ORG_MIX)
            status = _weighted(self.rng, OLD_MIX if i < n * 0.6 else RECENT_MIX)
            channel = _weighted(self.rng, CHANNEL_MIX)
            rows.append([org_key, None, status, channel])
        for column, values in ((2, Status.values), (3, Channel.values)):
            for value in values:
                present = Counter(row[column] for row in rows)
                if value in present:
                    continue
                # Take the slot from a value that appears more than once, so nothing else disappears;
                # open statuses go to the newer half, where open tickets belong.
                spare = [k for k, row in enumerate(rows) if present[row[column]] > 1]
                newer = [k for k in spare if k >= n // 2]
                if column == 2 and value not in (Status.CLOSED, Status.CANCELLED) and newer:
                    spare = newer
                if spare:
                    rows[self.rng.choice(spare)][column] = value
        for row in rows:
            choices = self._scenarios_for(row[0], row[3] == Channel.MONITORING)
            row[1] = self.rng.choice(choices)
        types = Counter(row[1].type for row in rows)
        for ticket_type in TicketType.values:
            if ticket_type not in types and rows:
                row = next(r for r in rows if r[3] != Channel.MONITORING)
                row[1] = next(s for s in self._scenarios_for(row[0], False) if s.type == ticket_type)
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def step(self, ticket: Ticket) -> None:
        """Close one human step on ``ticket``: the timeline entries written since the last step are its."""
        self.marks.append((ticket.pk, self.last_entry))

    def _seen_entry(self, sender: Any, instance: TimelineEntry, created: bool, **kwargs: Any) -> None:
        if created:
            self.last_entry = max(self.last_entry, instance.pk)

    def text(self, lang: str, kind: str, **values: Any) -> str:
        return self.rng.choice(TEXTS[lang][kind]).format(n=self.rng.randrange(1000, 9999), **values)

    def _category(self, scenario: Scenario) -> Category:
        return self.categories[(scenario.service, *scenario.category)]

    def create(
        self,
        *,
        org_key: str,
        scenario: Scenario,
        status: str,
        channel: str,
        requester: User,
        start: datetime,
        routed: bool = True,
        **extra: Any,
    ) -> Ticket:
        lang = requester.language
        creator: User | None
        if channel == Channel.PORTAL or channel == Channel.API:
            creator = requester
        elif channel in STAFF_CHANNELS:
            creator = self.rng.choice(self.team_agents["desk"])
        else:  # e-mail and monitoring arrive through the system
            creator = None
        fields: dict[str, Any] = {
            "type": scenario.type,
            "title": scenario.title[lang],
            "description": scenario.description[lang],
            "impact": scenario.impact,
            "urgency": scenario.urgency,
            "tags": list(scenario.tags),
        }
        routed = routed and status != Status.NEW  # new tickets wait, unclassified, in the triage pool
        if routed:
            service = self.services[scenario.service]
            fields.update(service=service, category=self._category(scenario))
            if creator is None or creator.is_staff_side:
                team_key = next(k for k, t in self.teams.items() if t.pk == service.owner_team_id)
                fields["queue"] = self.rng.choice(self.queues[team_key])
                if creator is not None and creator in self.team_agents[team_key] and self.rng.random() < 0.5:
                    fields["assignee"] = creator  # whoever took the call keeps it
        fields.update(extra)
        ticket = ts.create_ticket(actor=creator, requester=requester, channel=channel, **fields)
        self.starts[ticket.pk] = start
        self.step(ticket)
        return ticket

    def play(self, org_key: str, scenario: Scenario, status: str, channel: str, start: datetime) -> Ticket:
        rng = self.rng
        people = self.customers[org_key]
        requester = people[0] if channel == Channel.MONITORING else rng.choice(people)
        ticket = self.create(
            org_key=org_key,
            scenario=scenario,
            status=status,
            channel=channel,
            requester=requester,
            start=start,
        )
        org = self.orgs[org_key]
        if org.vip and ticket.priority > 1 and status != Status.NEW and rng.random() < 0.3:
            ts.update_ticket(
                actor=self.manager,
                ticket=ticket,
                changes={
                    "priority": ticket.priority - 1,
                    "priority_reason": "Cliente VIP: afecta a un socio del despacho.",
                },
            )
            self.step(ticket)
        if org.shares_tickets and rng.random() < 0.3:
            colleague = rng.choice([p for p in people if p != requester])
            ts.set_watchers(actor=self.manager, ticket=ticket, add=[colleague])
            self.step(ticket)
        self.lifecycle(ticket, scenario, status)
        return ticket

    def reply(self, ticket: Ticket, author: User, kind: str, *, public: bool = True, **values: Any) -> None:
        lang = ticket.requester.language
        values.setdefault("name", ticket.requester.get_short_name())
        values.setdefault("agent", author.get_short_name())
        channel = (
            Channel.EMAIL if ticket.channel == Channel.EMAIL and not author.is_staff_side else Channel.PORTAL
        )
        ts.add_comment(
            actor=author, ticket=ticket, body=self.text(lang, kind, **values), public=public, channel=channel
        )
        self.step(ticket)

    def move(self, ticket: Ticket, actor: User | None, to: str, **kwargs: Any) -> None:
        ts.transition_ticket(actor=actor, ticket=ticket, to=to, **kwargs)
        self.step(ticket)

    def resolve(self, ticket: Ticket, agent: User, scenario: Scenario) -> None:
        lang = ticket.requester.language
        code = RESOLUTION[TicketType(ticket.type)]
        if code == ResolutionCode.SOLVED and self.rng.random() < 0.15:
            code = ResolutionCode.WORKAROUND
        self.reply(ticket, agent, "fixed", fix=scenario.fix[lang])
        self.move(ticket, agent, Status.RESOLVED, resolution_code=code, resolution_note=scenario.fix[lang])

    def lifecycle(self, ticket: Ticket, scenario: Scenario, status: str) -> None:
        """Walk ``ticket`` to ``status`` as people would: replies, notes, waits, a reopen now and then."""
        rng, requester = self.rng, ticket.requester
        customer_led = requester == ticket.created_by
        if status == Status.NEW:
            if rng.random() < 0.3 and ticket.channel != Channel.MONITORING:
                self.reply(ticket, requester, "chase")
            return
        agent = self.people[ticket.assignee_id] if ticket.assignee_id else None
        if agent is None:  # a team without available agents: the lead takes it
            agent = self.staff["lead@ventanilla.local"]
            ts.assign_ticket(actor=self.manager, ticket=ticket, team=self.teams["desk"], assignee=agent)
            self.step(ticket)
        if status == Status.CANCELLED and (customer_led or rng.random() < 0.5):
            self.reply(ticket, requester, "cancel")
            self.move(ticket, requester, Status.CANCELLED)
            return
        if status == Status.ASSIGNED:
            if rng.random() < 0.3:
                self.reply(ticket, agent, "note", public=False)
            return
        self.move(ticket, agent, Status.IN_PROGRESS)
        self.reply(ticket, agent, "ack")
        if rng.random() < 0.35:
            self.reply(ticket, agent, "note", public=False)
        if status == Status.CANCELLED:
            self.move(ticket, agent, Status.CANCELLED, reason=self.text(requester.language, "cancel"))
            return
        if status == Status.PENDING_CUSTOMER:
            self.reply(ticket, agent, "ask")
            self.move(ticket, agent, Status.PENDING_CUSTOMER)
            return
        if status == Status.PENDING_THIRD_PARTY:
            self.reply(ticket, agent, "vendor", public=False)
            self.reply(ticket, agent, "waiting")
            self.move(ticket, agent, Status.PENDING_THIRD_PARTY)
            return
        if status == Status.PENDING_CHANGE:
            self.reply(ticket, agent, "change", public=False)
            self.move(ticket, agent, Status.PENDING_CHANGE)
            return
        if rng.random() < 0.4:  # a round trip with the customer (their answer resumes the ticket)
            self.reply(ticket, agent, "ask")
            self.move(ticket, agent, Status.PENDING_CUSTOMER)
            self.reply(ticket, requester, "answer")
        elif rng.random() < 0.3:
            self.reply(ticket, requester, "chase")
        if status == Status.IN_PROGRESS:
            return
        self.resolve(ticket, agent, scenario)
        if rng.random() < 0.08:  # "still broken": the customer reopens and the agent fixes it again
            self.reply(ticket, requester, "reopen")
            self.move(ticket, requester, Status.IN_PROGRESS)
            self.resolve(ticket, agent, scenario)
        if status == Status.RESOLVED:
            return
        if rng.random() < 0.6:
            self.reply(ticket, requester, "thanks")
            self.move(ticket, requester, Status.CLOSED)
        else:  # nobody answered: closed after the waiting period, by the system
            self.move(ticket, None, Status.CLOSED)

    # --- stories: links and a merge -----------------------------------------------------------------------
    def stories(self, made: list[tuple[Ticket, Scenario]], now: datetime) -> None:
        self.say("Links and a merge…")
        rng = self.rng
        recent = now - timedelta(hours=30)
        # A VPN outage at the law firm: one parent incident, three people reporting it.
        people = self.customers["alcala"]
        vpn = next(s for s in SCENARIOS if s.service == "vpn" and s.type == TicketType.INCIDENT)
        parent = self.create(
            org_key="alcala",
            scenario=vpn,
            status=Status.IN_PROGRESS,
            channel=Channel.PHONE,
            requester=people[0],
            start=recent,
            impact=1,
            urgency=2,
            title="Caída general de la VPN: nadie puede teletrabajar",
            description="Desde las 8:00 ningún abogado consigue conectar a la VPN desde fuera de la oficina.",
        )
        owner = self.people[parent.assignee_id] if parent.assignee_id else self.manager
        self.move(parent, owner, Status.IN_PROGRESS)
        self.reply(parent, owner, "note", public=False)
        for person in people[1:4]:
            child = self.create(
                org_key="alcala",
                scenario=vpn,
                status=Status.ASSIGNED,
                channel=Channel.PORTAL,
                requester=person,
                start=recent + timedelta(minutes=rng.randrange(5, 90)),
            )
            ts.link_tickets(actor=self.manager, source=parent, target=child, kind=LinkKind.PARENT_OF)
            self.step(child)
        # Two store managers report the same card-terminal failure: the second is merged into the first.
        card = next(s for s in SCENARIOS if "tpv" in s.tags and s.urgency == 1)
        buyers = self.customers["tepeyac"]
        first = self.create(
            org_key="tepeyac",
            scenario=card,
            status=Status.IN_PROGRESS,
            channel=Channel.PHONE,
            requester=buyers[1],
            start=recent + timedelta(hours=2),
        )
        duplicate = self.create(
            org_key="tepeyac",
            scenario=card,
            status=Status.ASSIGNED,
            channel=Channel.EMAIL,
            requester=buyers[2],
            start=recent + timedelta(hours=2, minutes=20),
        )
        self.reply(duplicate, buyers[2], "chase")
        ts.merge_tickets(actor=self.manager, source=duplicate, target=first)
        self.step(duplicate)
        # Related tickets: the same problem reported twice by one organisation.
        by_key: dict[tuple[int | None, str], list[Ticket]] = defaultdict(list)
        for ticket, scenario in made:
            by_key[(ticket.organization_id, scenario.title["en"])].append(ticket)
        pairs = [group[:2] for group in by_key.values() if len(group) >= 2]
        for source, target in rng.sample(pairs, min(5, len(pairs))):
            ts.link_tickets(actor=self.manager, source=target, target=source, kind=LinkKind.RELATED)
            self.step(target)
        # A network outage (monitoring) caused desk-side incidents at the same organisation.
        switches = [t for t, s in made if "switch" in s.title["en"].lower()]
        for switch in switches[:2]:
            victims = [
                t
                for t, s in made
                if s.category[0].startswith("Red cableada")
                and not s.monitoring
                and t.organization_id == switch.organization_id
                and t.pk != switch.pk
            ]
            if victims:
                victim = victims[0]
                ts.link_tickets(actor=self.manager, source=victim, target=switch, kind=LinkKind.CAUSED_BY)
                self.step(max(victim, switch, key=lambda t: t.pk))

    # --- backdating ---------------------------------------------------------------------------------------
    def backdate(self, now: datetime) -> None:
        """Spread the generated history over the last months (deliberate bulk UPDATE, see module docstring).

        The services stamped everything "now". Each ticket gets the start time planned for it; each later
        step on it (reply, transition, link...) a plausible gap after the previous one, scaled so that the
        last step is still in the past. Comments and the ticket's first response, resolution and closing
        times follow the timeline entries they belong to.
        """
        self.say("Backdating history…")
        steps_per_ticket = Counter(pk for pk, _last in self.marks)
        gaps: dict[int, list[timedelta]] = {}
        for pk, count in steps_per_ticket.items():
            raw = [
                timedelta(minutes=self.rng.choice((3, 12, 40, 90, 240, 600, 1300, 2900)))
                for _ in range(count)
            ]
            raw[0] = timedelta(0)
            available = (now - timedelta(minutes=5)) - self.starts[pk]
            total = sum(raw, timedelta(0))
            if total > available * 0.95:
                raw = [gap * (available * 0.95 / total) for gap in raw]
            gaps[pk] = raw
        entries = {
            e["id"]: e
            for e in TimelineEntry.objects.filter(id__gt=self.first_entry).values(
                "id", "ticket_id", "kind", "data", "actor_id", "comment_id"
            )
        }
        when: dict[int, datetime] = {}
        cursor = dict(self.starts)
        seen = Counter[int]()
        previous = self.first_entry
        for pk, last in self.marks:
            cursor[pk] += gaps[pk][seen[pk]]
            seen[pk] += 1
            for offset, entry_id in enumerate(range(previous + 1, last + 1)):
                if entry_id in entries:
                    when[entry_id] = cursor[pk] + timedelta(seconds=offset)
            previous = max(previous, last)
        staff_ids = set(
            User.objects.filter(role__in=[Role.AGENT, Role.TEAM_LEAD, Role.MANAGER, Role.ADMIN]).values_list(
                "id", flat=True
            )
        )
        tickets = {
            t.pk: t
            for t in Ticket.objects.filter(pk__in=list(self.starts)).only(
                "id", "requester_id", "first_response_at", "resolved_at", "closed_at"
            )
        }
        for entry_id in sorted(when):
            entry, at = entries[entry_id], when[entry_id]
            ticket = tickets.get(entry["ticket_id"])
            if ticket is None:
                continue
            new_status = (entry["data"] or {}).get("new")
            if entry["kind"] == TimelineKind.CREATED:
                ticket.created_at = at
            ticket.updated_at = at
            if (
                entry["kind"] == TimelineKind.REPLY
                and entry["actor_id"] in staff_ids
                and entry["actor_id"] != ticket.requester_id
                and not getattr(ticket, "_responded", False)
            ):
                ticket._responded = True  # type: ignore[attr-defined]
                if ticket.first_response_at is not None:
                    ticket.first_response_at = at
            if entry["kind"] == TimelineKind.STATUS and new_status == Status.RESOLVED and ticket.resolved_at:
                ticket.resolved_at = at
            if (
                entry["kind"] in (TimelineKind.STATUS, TimelineKind.MERGE)
                and ticket.closed_at
                and new_status in (Status.CLOSED, Status.CANCELLED)
            ):
                ticket.closed_at = at
        # The deliberate bulk UPDATEs: timeline, comments, tickets. Nothing else is touched.
        TimelineEntry.objects.bulk_update(
            [TimelineEntry(id=entry_id, created_at=at) for entry_id, at in when.items()],
            ["created_at"],
            batch_size=500,
        )
        comments = [
            Comment(id=e["comment_id"], created_at=when[i], updated_at=when[i])
            for i, e in entries.items()
            if e["comment_id"] and i in when
        ]
        Comment.objects.bulk_update(comments, ["created_at", "updated_at"], batch_size=500)
        Ticket.objects.bulk_update(
            list(tickets.values()),
            ["created_at", "updated_at", "first_response_at", "resolved_at", "closed_at"],
            batch_size=500,
        )


def build_demo(*, tickets: int = DEFAULT_TICKETS, progress: Progress | None = None) -> Counter[str]:
    """Create the demo desk (or whatever part of it is missing); returns what was created, by kind."""
    return DemoBuilder(tickets=tickets, progress=progress).build()
