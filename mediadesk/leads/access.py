"""Who sees which customers and full phone numbers: the one place, used by pages and API.

Managers and channel managers (leads.view) see every opportunity in their scope; sales
(leads.view_own) see the opportunities they own, and supervisors also their team's.
Full numbers: entitled roles (leads.phone) in scope, and the opportunity's own consultant.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from mediadesk.core import phone as phones
from mediadesk.core import scopes
from mediadesk.leads.models import Consultant, Customer, Opportunity
from mediadesk.orgs.roles import Perm, perms_of


def _org_wide(user: Any, perm: str) -> bool:
    """The user holds `perm` for the whole organisation (no narrower scope to add)."""
    return any(
        g.company_id is None and g.project_id is None and perm in perms_of({g.role})
        for g in scopes.grants(user)
    )


def visible_opportunities(user: Any) -> QuerySet[Opportunity]:
    """Opportunities `user` may read."""
    q = scopes.scope_q(user, Perm.LEADS_VIEW)
    # An org-wide reader sees everything already: an OR on the owner would only stop the
    # database from walking the list's index (it joins the team for every row).
    if scopes.has_perm(user, Perm.LEADS_VIEW_OWN) and not _org_wide(user, Perm.LEADS_VIEW):
        own = Q(consultant_id=user.pk) | Q(team__supervisor_id=user.pk)
        q |= own & scopes.scope_q(user, Perm.LEADS_VIEW_OWN)
    return Opportunity.objects.filter(q)


def visible_pool(user: Any) -> QuerySet[Opportunity]:
    """Pooled opportunities `user` may see: all in their leads.view scope; for sales, the
    pool of the projects where they hold a consultant seat (they may claim from it)."""
    q = scopes.scope_q(user, Perm.LEADS_VIEW)
    if scopes.has_perm(user, Perm.LEADS_VIEW_OWN):
        seats = Consultant.objects.filter(user_id=user.pk).values("project_id")
        q |= Q(project_id__in=seats) & scopes.scope_q(user, Perm.LEADS_VIEW_OWN)
    return Opportunity.objects.filter(q, in_pool=True)


def visible_customers(user: Any) -> QuerySet[Customer]:
    """Customers with at least one opportunity `user` may read."""
    return Customer.objects.filter(pk__in=visible_opportunities(user).values("customer_id"))


def sees_full_phone(user: Any, opportunity: Opportunity) -> bool:
    """Entitled roles in scope, and the consultant who owns the opportunity."""
    return opportunity.consultant_id == user.pk or scopes.allows(
        user, Perm.LEADS_PHONE, opportunity
    )


def customer_phone_for(user: Any, customer: Customer) -> str:
    """The customer's number as `user` may see it: full, or masked 前三后四."""
    if scopes.has_perm(user, Perm.LEADS_PHONE):
        entitled = scopes.scope_q(user, Perm.LEADS_PHONE)
        if customer.opportunities.filter(entitled).exists():
            return customer.phone
    if customer.opportunities.filter(consultant_id=user.pk).exists():
        return customer.phone
    return phones.mask(customer.phone)


def project_scope_q(user: Any, perm: str, field: str = "project") -> Q:
    """Rows whose `field` (a Project link) lies in a scope where `user` holds `perm` — for
    tables that carry a project but no company (reports, disputes, referrals)."""
    from mediadesk.orgs.roles import perms_of

    q = Q(pk__in=[])
    for g in scopes.grants(user):
        if perm not in perms_of({g.role}):
            continue
        if g.project_id:
            q |= Q(**{f"{field}_id": g.project_id})
        elif g.company_id:
            q |= Q(**{f"{field}__company_id": g.company_id})
        else:
            q |= Q(**{f"{field}__organisation_id": g.organisation_id})
    return q


ATTRIBUTION_PERMS = (
    Perm.LEADS_VIEW, Perm.LEADS_VIEW_OWN, Perm.LEADS_CAPTURE, Perm.LEADS_REPORT,
    Perm.LEADS_VISIT, Perm.LEADS_ARBITRATE, Perm.LEADS_RULES,
)  # fmt: skip


def can_use_attribution(user: Any) -> bool:
    """Who may open the 报备/带看/争议/转介 pages: anyone holding a leads permission somewhere."""
    return any(scopes.has_perm(user, perm) for perm in ATTRIBUTION_PERMS)
