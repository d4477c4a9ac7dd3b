"""Reads of the leads desk: the lead list (filters, sorting, a count-free pager), the pool,
a customer's page, a broker's own reports. Visibility always comes from access.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from mediadesk.core import phone, scopes
from mediadesk.leads import access, attribution
from mediadesk.leads.filters import LeadFilters, PoolFilters
from mediadesk.leads.models import (
    Broker,
    Campaign,
    Channel,
    Consultant,
    Customer,
    Deal,
    Dispute,
    FollowUp,
    Opportunity,
    Referral,
    Report,
    Touch,
    ViewingTrip,
    Visit,
)
from mediadesk.orgs import queries as org_queries
from mediadesk.orgs.models import Project, User
from mediadesk.orgs.roles import Perm

PAGE_SIZE = 30


def can_use_desk(user: Any) -> bool:
    """Anyone who can read some leads (managers, channel managers, sales)."""
    return scopes.has_perm(user, Perm.LEADS_VIEW) or scopes.has_perm(user, Perm.LEADS_VIEW_OWN)


def is_broker_only(user: Any) -> bool:
    """A broker login: the channel portal is all it may see."""
    return hasattr(user, "broker") and not can_use_desk(user)


def lead_list(user: Any, params: Any) -> QuerySet[Opportunity]:
    """The visible leads, filtered and sorted (newest first by default)."""
    qs = LeadFilters.from_query(params).sorted(access.visible_opportunities(user))
    return qs.select_related("customer", "project", "consultant", "channel")


@dataclass
class CheapPage:
    """A page without count(*): we fetch one row more than we show to know if there is a next."""

    object_list: list[Any]
    number: int
    has_next: bool
    has_previous: bool = field(init=False)

    def __post_init__(self) -> None:
        self.has_previous = self.number > 1

    def __iter__(self) -> Any:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def cheap_page(qs: QuerySet[Any], page: Any, size: int = PAGE_SIZE) -> CheapPage:
    """Slice one page of `qs` by offset; never counts the whole result."""
    number = int(page) if str(page or "").isdigit() and int(page) > 0 else 1
    number = min(number, 10_000)
    start = (number - 1) * size
    rows = list(qs[start : start + size + 1])
    return CheapPage(rows[:size], number, len(rows) > size)


def shown_phone(user: Any, opportunity: Opportunity) -> str:
    """On pages: the full number for the lead's own consultant, 前三后四 for everyone else
    (entitled users reveal it on demand, audited)."""
    number = opportunity.customer.phone
    return number if opportunity.consultant_id == user.pk else phone.mask(number)


def filter_options(user: Any) -> dict[str, Any]:
    """Choices for the filter bar, limited to what the user can see."""
    projects = org_queries.visible_projects(
        user, perm=Perm.LEADS_VIEW
    ) | org_queries.visible_projects(user, perm=Perm.LEADS_VIEW_OWN)
    org_id = getattr(user, "organisation_id", None)
    consultants = (
        Consultant.objects.filter(project__in=projects)
        .select_related("user")
        .order_by("user__username")
    )
    return {
        "projects": projects.distinct(),
        "channels": Channel.objects.filter(organisation_id=org_id or 0).order_by("kind", "name"),
        "consultants": list({c.user_id: c.user for c in consultants}.values()),
        "sees_all": scopes.has_perm(user, Perm.LEADS_VIEW),
    }


def pool_list(user: Any, params: Any) -> QuerySet[Opportunity]:
    """Pooled opportunities the user may see, filtered like the lead list."""
    qs = PoolFilters.from_query(params).sorted(access.visible_pool(user))
    return qs.select_related("customer", "project", "previous_consultant", "channel")


# --- a customer's page ------------------------------------------------------------------------


@dataclass
class CustomerView:
    """What one user may see of a customer: opportunities, touches, reports, follow-ups."""

    customer: Customer
    opportunities: list[Opportunity]
    touches: list[Touch]
    reports: list[Report]
    follow_ups: dict[int, list[FollowUp]]
    phone: str
    can_reveal: bool


def customer_view(user: Any, customer: Customer) -> CustomerView:
    """The customer as `user` sees them: only the projects whose opportunity they can read."""
    opportunities = list(
        access.visible_opportunities(user)
        .filter(customer=customer)
        .select_related("project", "consultant", "channel", "attributed_report", "team")
        .order_by("project__name")
    )
    project_ids = [o.project_id for o in opportunities]
    touches = list(
        Touch.objects.filter(customer=customer)
        .filter(Q(project_id__in=project_ids) | Q(project__isnull=True))
        .select_related("project", "channel", "campaign", "account", "captured_by")
        .order_by("-captured_at", "-id")[:200]
    )
    reports = list(
        Report.objects.filter(customer=customer, project_id__in=project_ids)
        .select_related("channel", "project")
        .order_by("-reported_at")[:100]
    )
    follow_ups: dict[int, list[FollowUp]] = {o.pk: [] for o in opportunities}
    for f in FollowUp.objects.filter(opportunity__in=opportunities).select_related("by")[:500]:
        follow_ups[f.opportunity_id].append(f)
    own = any(o.consultant_id == user.pk for o in opportunities)
    number = customer.phone if own else phone.mask(customer.phone)
    can_reveal = not own and access.customer_phone_for(user, customer) == customer.phone
    return CustomerView(customer, opportunities, touches, reports, follow_ups, number, can_reveal)


def deals_by_opportunity(opportunities: list[Opportunity]) -> dict[int, list[Deal]]:
    """The deals of each opportunity, newest first (one query)."""
    found: dict[int, list[Deal]] = {o.pk: [] for o in opportunities}
    rows = Deal.objects.filter(opportunity__in=opportunities).select_related("co_handler")
    for deal in rows.order_by("-created_at", "-id"):
        found[deal.opportunity_id].append(deal)
    return found


# --- channel portal and admin ---------------------------------------------------------------


def broker_of(user: Any) -> Broker | None:
    """The user's active broker row (the channel portal's identity)."""
    broker = Broker.objects.filter(user=user, is_active=True).select_related("channel").first()
    return broker if broker is not None and broker.channel.is_active else None


def broker_reports(broker: Broker) -> QuerySet[Report]:
    """A broker's own reports, newest first; nothing of other brokers."""
    return Report.objects.filter(broker=broker).select_related("project").order_by("-reported_at")


def broker_projects(broker: Broker) -> QuerySet[Project]:
    """Projects the broker may report to (their broker grants)."""
    return org_queries.visible_projects(broker.user, perm=Perm.LEADS_REPORT)


def rules_projects(user: Any) -> QuerySet[Project]:
    """Projects where the user manages channels, brokers and campaigns."""
    return org_queries.visible_projects(user, perm=Perm.LEADS_RULES)


def visible_campaigns(user: Any) -> QuerySet[Campaign]:
    return Campaign.objects.filter(project__in=rules_projects(user)).select_related("project")


def visible_brokers(user: Any) -> QuerySet[Broker]:
    """Brokers of the user's organisation (leads.rules)."""
    org_ids = scopes.organisation_ids(user) if scopes.has_perm(user, Perm.LEADS_RULES) else set()
    return Broker.objects.filter(organisation_id__in=org_ids).select_related("user", "channel")


def seats_for_assign(user: Any, project_ids: list[int]) -> QuerySet[Consultant]:
    """Active consultant seats in the given projects (targets of assignment)."""
    return (
        Consultant.objects.filter(project_id__in=project_ids, user__is_active=True)
        .select_related("user", "project", "team")
        .order_by("project__name", "user__username")
    )


def desk_caps(user: Any) -> dict[str, bool]:
    """What the desk's tabs and buttons offer this user."""
    return {
        "capture": scopes.has_perm(user, Perm.LEADS_CAPTURE),
        "import": scopes.has_perm(user, Perm.LEADS_IMPORT),
        "rules": scopes.has_perm(user, Perm.LEADS_RULES),
        "assign": scopes.has_perm(user, Perm.LEADS_ASSIGN),
        "export": scopes.has_perm(user, Perm.LEADS_EXPORT),
        "attribution": scopes.has_perm(user, Perm.LEADS_REPORT)
        or scopes.has_perm(user, Perm.LEADS_VISIT),
    }


# --- attribution records (reports, trips, disputes, referrals) -------------------------------


def projects_with(user: Any, perm: str) -> QuerySet[Project]:
    """Projects of the user's organisation where the user holds `perm`."""
    ids = [
        p.pk
        for p in Project.objects.filter(organisation_id=user.organisation_id, is_active=True)
        if attribution.in_project(user, perm, p)
    ]
    return Project.objects.filter(pk__in=ids).order_by("name")


def visible_reports(user: Any) -> QuerySet[Report]:
    """Reports in the scopes where the user sees customers, plus the user's own."""
    return Report.objects.filter(
        access.project_scope_q(user, Perm.LEADS_VIEW) | Q(reporter_id=user.pk)
    )


def visible_trips(user: Any) -> QuerySet[ViewingTrip]:
    """Trips with a visit in a project where the user records or sees visits."""
    projects = projects_with(user, Perm.LEADS_VISIT) | projects_with(user, Perm.LEADS_VIEW)
    inside = Visit.objects.filter(project__in=projects).values("trip_id")
    return ViewingTrip.objects.filter(pk__in=inside)


def visible_disputes(user: Any) -> QuerySet[Dispute]:
    return Dispute.objects.filter(
        access.project_scope_q(user, Perm.LEADS_VIEW)
        | Q(report_a__reporter_id=user.pk)
        | Q(report_b__reporter_id=user.pk)
        | Q(consultant_b_id=user.pk)
    )


def visible_referrals(user: Any) -> QuerySet[Referral]:
    return Referral.objects.filter(
        access.project_scope_q(user, Perm.LEADS_VIEW, "to_project")
        | access.project_scope_q(user, Perm.LEADS_VIEW, "from_project")
        | Q(requested_by_id=user.pk)
    )


def co_handlers(opp: Opportunity) -> QuerySet[User]:
    """Who may co-handle (主管带单): the project's seats and team supervisors, not the owner."""
    return (
        User.objects.filter(
            Q(consultant_seats__project_id=opp.project_id)
            | Q(supervised_teams__project_id=opp.project_id),
            organisation_id=opp.organisation_id,
            is_active=True,
        )
        .exclude(pk=opp.consultant_id or 0)
        .distinct()
        .order_by("username")
    )
