"""Finding 12: every URL pattern, as every demo user and anonymously, answers as the
permission table says.

`REQUIRES` is the table: for each route (first matching pattern wins) the permissions of which
a user needs at least one — from `orgs.roles.ROLE_PERMS` and the apps' registry grants, read
through `perms_of` — or `LOGGED_IN` / `PUBLIC` / `BROKER`. Each user walks the site from the
routes without arguments, following the links its own pages show (so detail pages of demo
records are reached in its own scope); a route it did not reach is tried at the URL the
administrator's walk found. Then:

* nobody gets a page (2xx) of a route whose permission they lack;
* an entitled user never gets 403 or 500 on a page its own walk reached (nor on a route
  without arguments); on the administrator's URL of another scope 403/404 are allowed;
* anonymous visitors are sent to the login page (pages) or get 401 (API), except for `PUBLIC`;
* every route of the project is in the table, and no page answers 500.

GET only: a POST-only route answers 405 here (its checks are fuzzed by tests/fuzz).
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import Any

import pytest
from django.test import Client

from mediadesk.engagement import perms as eng
from mediadesk.leads.access import ATTRIBUTION_PERMS
from mediadesk.live import perms as live
from mediadesk.orgs import demo
from mediadesk.orgs.models import RoleGrant, User
from mediadesk.orgs.roles import Perm, Role, perms_of
from mediadesk.planning import perms as planning
from mediadesk.private import perms as private
from mediadesk.publishing import perms as publishing
from tests.access import walk

PUBLIC = frozenset({"@public"})
LOGGED_IN = frozenset({"@logged-in"})
BROKER = frozenset({"@role:broker"})  # the broker portal belongs to the role, not a permission
ANONYMOUS = "(anonymous)"
SKIP = {"orgs:logout"}


def anyof(*perms: str | Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for p in perms:
        out |= {p} if isinstance(p, str) else set(p)
    return frozenset(out)


ATTRIBUTION = anyof(ATTRIBUTION_PERMS)
LEADS_LIST = anyof(Perm.LEADS_VIEW, Perm.LEADS_VIEW_OWN)
MATRIX = anyof(Perm.MATRIX_VIEW, Perm.MATRIX_VIEW_OWN)

# The permission table. Patterns are matched in order against the route's full name.
REQUIRES: list[tuple[str, frozenset[str]]] = [
    # shell, accounts, notifications
    ("orgs:login", PUBLIC),
    ("orgs:login_totp", PUBLIC),
    ("orgs:profile*", LOGGED_IN),
    ("orgs:settings", LOGGED_IN),
    ("orgs:totp_*", LOGGED_IN),
    ("orgs:logout", LOGGED_IN),
    ("orgs:token_*", LOGGED_IN),
    ("orgs:*", anyof(Perm.USERS_MANAGE)),
    ("core:home", LOGGED_IN),
    ("core:search", LOGGED_IN),
    ("core:soon", LOGGED_IN),
    ("core:audit*", anyof(Perm.AUDIT_VIEW)),
    ("jsi18n", PUBLIC),
    ("notifications:inbox", LOGGED_IN),
    ("notifications:read*", LOGGED_IN),
    ("notifications:*", anyof(Perm.NOTIFY_MANAGE)),
    # matrix
    ("matrix:platform*", anyof(Perm.PLATFORMS_MANAGE)),
    ("matrix:rule*", anyof(Perm.PLATFORMS_MANAGE)),
    ("matrix:create", anyof(Perm.MATRIX_MANAGE)),
    ("matrix:edit", anyof(Perm.MATRIX_MANAGE)),
    ("matrix:delete", anyof(Perm.MATRIX_MANAGE)),
    ("matrix:custody", anyof(Perm.MATRIX_MANAGE)),
    ("matrix:credential_*", anyof(Perm.MATRIX_MANAGE, Perm.MATRIX_SECRETS, Perm.MATRIX_VIEW_OWN)),
    ("matrix:import*", anyof(Perm.MATRIX_MANAGE)),
    ("matrix:*", MATRIX),
    # content, review, compliance
    ("content:best_time_*", anyof(Perm.PLATFORMS_MANAGE)),
    ("content:*_create", anyof(Perm.CONTENT_EDIT)),
    ("content:*_edit", anyof(Perm.CONTENT_EDIT)),
    ("content:*_delete", anyof(Perm.CONTENT_EDIT)),
    ("content:asset_upload", anyof(Perm.CONTENT_EDIT)),
    ("content:variant_add", anyof(Perm.CONTENT_EDIT)),
    ("content:plan_import*", anyof(Perm.CONTENT_EDIT)),
    ("content:calendar_reschedule", anyof(Perm.CONTENT_EDIT)),
    ("content:*", anyof(Perm.CONTENT_VIEW)),
    ("review:workflow*", anyof(Perm.REVIEW_WORKFLOWS)),
    ("review:*", anyof(Perm.CONTENT_VIEW)),
    ("compliance:import*", anyof(Perm.COMPLIANCE_MANAGE)),
    ("compliance:*_create", anyof(Perm.COMPLIANCE_MANAGE)),
    ("compliance:*_edit", anyof(Perm.COMPLIANCE_MANAGE)),
    ("compliance:*_toggle", anyof(Perm.COMPLIANCE_MANAGE)),
    ("compliance:*", anyof(Perm.COMPLIANCE_CHECK)),
    # analytics
    ("analytics:import*", anyof(Perm.ANALYTICS_IMPORT)),
    ("analytics:analysis_edit", anyof(Perm.ANALYTICS_EDIT)),
    ("analytics:abtest_arm", anyof(Perm.ANALYTICS_EDIT)),
    ("analytics:*", anyof(Perm.ANALYTICS_VIEW)),
    # leads and commissions
    ("leads:public_*", PUBLIC),
    ("leads:portal*", BROKER),
    ("leads:my_duty", LOGGED_IN),
    ("leads:reports_export", anyof(Perm.LEADS_EXPORT)),
    ("leads:report_new", anyof(Perm.LEADS_REPORT)),
    ("leads:report*", ATTRIBUTION),
    ("leads:trips", ATTRIBUTION),
    ("leads:trip*", anyof(Perm.LEADS_VISIT)),
    ("leads:dispute*", ATTRIBUTION),
    ("leads:referral*", ATTRIBUTION),
    ("leads:visit*", anyof(Perm.LEADS_VISIT)),
    ("leads:capture", anyof(Perm.LEADS_CAPTURE)),
    ("leads:check_phone", anyof(Perm.LEADS_CAPTURE)),
    ("leads:import*", anyof(Perm.LEADS_IMPORT)),
    ("leads:export", anyof(Perm.LEADS_EXPORT)),
    ("leads:reveal", anyof(Perm.LEADS_PHONE, Perm.LEADS_VIEW_OWN)),
    ("leads:assign", anyof(Perm.LEADS_ASSIGN)),
    ("leads:pool_*", LEADS_LIST),
    ("leads:allocation", anyof(Perm.LEADS_ASSIGN, Perm.LEADS_RULES)),
    ("leads:seat_*", anyof(Perm.LEADS_ASSIGN, Perm.LEADS_RULES)),
    ("leads:team_*", anyof(Perm.LEADS_ASSIGN, Perm.LEADS_RULES)),
    ("leads:broker*", anyof(Perm.LEADS_RULES)),
    ("leads:campaign*", anyof(Perm.LEADS_RULES)),
    ("leads:channel*", anyof(Perm.LEADS_RULES)),
    ("leads:rule*", anyof(Perm.LEADS_RULES)),
    ("leads:*", LEADS_LIST),
    ("commissions:mine", LOGGED_IN),
    ("commissions:statement", LOGGED_IN),  # one's own; others' need commissions.view (scope)
    ("commissions:statement_export", LOGGED_IN),
    ("commissions:*_create", anyof(Perm.COMMISSIONS_MANAGE)),
    ("commissions:*_edit", anyof(Perm.COMMISSIONS_MANAGE)),
    ("commissions:adjust", anyof(Perm.COMMISSIONS_MANAGE)),
    ("commissions:settle", anyof(Perm.COMMISSIONS_MANAGE)),
    ("commissions:approve", anyof(Perm.COMMISSIONS_APPROVE)),
    ("commissions:*", anyof(Perm.COMMISSIONS_VIEW)),
    # apps plugged in through the registry
    ("publishing:connect", anyof(publishing.CONNECT)),
    ("publishing:oauth_*", anyof(publishing.CONNECT)),
    ("publishing:*", anyof(publishing.VIEW)),
    ("live:figures_*", anyof(live.LIVE_MANAGE)),
    ("live:script_new", anyof(live.LIVE_MANAGE)),
    ("live:script_edit", anyof(live.LIVE_MANAGE)),
    ("live:plan_import*", anyof(live.LIVE_MANAGE)),
    ("live:options", anyof(live.LIVE_MANAGE)),
    ("live:*", anyof(live.LIVE_VIEW)),
    ("engagement:hook_*", PUBLIC),  # platform webhooks: signature-checked, no session
    ("engagement:import", anyof(eng.INGEST)),
    ("engagement:paste", anyof(eng.INGEST)),
    ("engagement:library_export", anyof(eng.VIEW)),
    ("engagement:library_*", anyof(eng.REPLIES)),
    ("engagement:mentions_import", anyof(eng.OPINION_MANAGE)),
    ("engagement:settings", anyof(eng.ASSIGN)),
    ("engagement:incident*", anyof(eng.OPINION_VIEW)),
    ("engagement:mentions", anyof(eng.OPINION_VIEW)),
    ("engagement:watch", anyof(eng.OPINION_VIEW)),
    ("engagement:*", anyof(eng.VIEW)),
    ("private:import", anyof(private.MANAGE)),
    ("private:merges", anyof(private.MANAGE)),
    ("private:wecom", anyof(private.MANAGE)),
    ("private:*", anyof(private.VIEW)),
    ("planning:scorecards_export", anyof(planning.EDIT)),
    ("planning:goal_new", anyof(planning.EDIT)),
    ("planning:*", anyof(planning.VIEW)),
    # the API (GET operations; each shares its permission with the pages)
    ("api:openapi-*", PUBLIC),
    ("api:api-root", PUBLIC),
    ("api:callback", PUBLIC),  # WeCom callback: signature-checked
    ("api:list_statements", LOGGED_IN),
    ("api:list_notifications", LOGGED_IN),
    ("api:list_projects", LOGGED_IN),
    ("api:list_platforms", LOGGED_IN),
    ("api:list_channels", LOGGED_IN),
    ("api:list_accounts", MATRIX),
    ("api:list_audit", anyof(Perm.AUDIT_VIEW)),
    ("api:list_companies", anyof(Perm.USERS_MANAGE)),
    ("api:list_users", anyof(Perm.USERS_MANAGE)),
    ("api:list_deliveries", anyof(Perm.NOTIFY_MANAGE)),
    ("api:list_robots", anyof(Perm.NOTIFY_MANAGE)),
    ("api:list_workflows", anyof(Perm.REVIEW_WORKFLOWS)),
    ("api:list_reviews", anyof(Perm.CONTENT_VIEW)),
    ("api:review_queue", anyof(Perm.CONTENT_VIEW)),
    ("api:list_assets", anyof(Perm.CONTENT_VIEW)),
    ("api:list_categories", anyof(Perm.CONTENT_VIEW)),
    ("api:list_items", anyof(Perm.CONTENT_VIEW)),
    ("api:list_nodes", anyof(Perm.CONTENT_VIEW)),
    ("api:list_series", anyof(Perm.CONTENT_VIEW)),
    ("api:list_variants", anyof(Perm.CONTENT_VIEW)),
    ("api:list_patterns", anyof(Perm.COMPLIANCE_CHECK)),
    ("api:list_terms", anyof(Perm.COMPLIANCE_CHECK)),
    ("api:list_whitelist", anyof(Perm.COMPLIANCE_CHECK)),
    ("api:list_imports", anyof(Perm.ANALYTICS_IMPORT)),
    ("api:list_abtests", anyof(Perm.ANALYTICS_VIEW)),
    ("api:list_benchmarks", anyof(Perm.ANALYTICS_VIEW)),
    ("api:monitoring", anyof(Perm.ANALYTICS_VIEW)),
    ("api:list_reports", ATTRIBUTION),
    ("api:list_trips", ATTRIBUTION),
    ("api:list_disputes", ATTRIBUTION),
    ("api:list_referrals", ATTRIBUTION),
    ("api:list_brokers", anyof(Perm.LEADS_RULES)),
    ("api:list_campaigns", anyof(Perm.LEADS_RULES)),
    ("api:list_customers", LEADS_LIST),
    ("api:list_deals", LEADS_LIST),
    ("api:list_follow_ups", LEADS_LIST),
    ("api:list_opportunities", LEADS_LIST),
    ("api:list_pool", LEADS_LIST),
    ("api:list_figures", anyof(Perm.COMMISSIONS_VIEW)),
    ("api:list_incentives", anyof(Perm.COMMISSIONS_VIEW)),
    ("api:list_schemes", anyof(Perm.COMMISSIONS_VIEW)),
    ("api:jobs", anyof(publishing.VIEW)),
    ("api:list_scripts", anyof(live.LIVE_VIEW)),
    ("api:list_sessions", anyof(live.LIVE_VIEW)),
    ("api:list_replies", anyof(eng.VIEW)),
    ("api:ingest_messages", anyof(eng.VIEW)),  # GET lists the inbox
    ("api:list_incidents", anyof(eng.OPINION_VIEW)),
    ("api:members", anyof(private.VIEW)),
    ("api:segments", anyof(private.VIEW)),
    ("api:mass_sends", anyof(private.VIEW)),
    ("api:figures", anyof(private.VIEW)),
    ("api:merges", anyof(private.MANAGE)),
    ("api:agenda", anyof(planning.VIEW)),
    ("api:list_goals", anyof(planning.VIEW)),
    ("api:list_tasks", anyof(planning.VIEW)),
    ("api:list_metrics", anyof(planning.VIEW)),
    ("api:list_scorecards", anyof(planning.VIEW)),
    # POST-only operations (answer 405 to GET; their checks are fuzzed in tests/fuzz)
    ("api:*", LOGGED_IN),
]


def requirement(route: str) -> frozenset[str]:
    for pattern, needed in REQUIRES:
        if fnmatchcase(route, pattern):
            return needed
    raise AssertionError(f"{route} is not in the permission table")


def entitled(needed: frozenset[str], perms: frozenset[str], roles: set[str]) -> bool:
    if needed in (PUBLIC, LOGGED_IN):
        return True
    if needed == BROKER:
        return Role.BROKER in roles
    return bool(needed & perms)


def takes_arguments(route: str) -> bool:
    return route not in walk.argless_routes()


def judge(route: str, url: str, status: int, *, ok: bool, own_walk: bool, anon: bool) -> str:
    """'' when the answer fits the table, else what is wrong with it."""
    if status >= 500:
        return f"{status} (server error)"
    needed = requirement(route)
    if anon:
        if needed == PUBLIC:
            return ""
        return "" if status in (302, 401, 405) else f"{status}, expected the login (302/401)"
    if not ok:
        return f"{status}: a role without the permission got the page" if status < 300 else ""
    if status == 403 and (own_walk or not takes_arguments(route)):
        return "403 for a role that holds the permission"
    return ""


GROUPS = 2  # the users are walked in this many tests, so `pytest -n 2` shares the work


def users(group: int) -> list[tuple[str, Client, frozenset[str], set[str]]]:
    """The anonymous visitor and every active demo user with a role, as (name, client, perms,
    roles); `group` takes every GROUPS-th of them."""
    out: list[tuple[str, Client, frozenset[str], set[str]]] = [
        (ANONYMOUS, Client(), frozenset(), set())
    ]
    for user in User.objects.filter(is_active=True).order_by("username"):
        roles = set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))
        if roles:
            client = Client()
            client.force_login(user)
            out.append((user.username, client, perms_of(roles), roles))
    return out[group::GROUPS]


@pytest.fixture
def demo_world(db: Any) -> None:
    demo.load()


def test_the_table_covers_every_route_and_the_demo_every_role(demo_world: None) -> None:
    unlisted = sorted(
        n for n in walk.route_names() if not any(fnmatchcase(n, p) for p, _ in REQUIRES)
    )
    assert not unlisted, f"routes missing from the permission table: {unlisted}"
    held = set(RoleGrant.objects.filter(user__is_active=True).values_list("role", flat=True))
    assert held == set(Role.values), f"roles without a demo user: {set(Role.values) - held}"


@pytest.mark.parametrize("group", range(GROUPS))
def test_every_route_answers_as_the_permission_table_says(demo_world: None, group: int) -> None:
    names = set(walk.route_names())
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    reference = {r: url for r, (url, _s) in walk.crawl(admin, names, SKIP).items()}
    assert len(reference) > 300, f"the walk reached only {len(reference)} routes"
    wrong: list[str] = []
    for username, client, perms, roles in users(group):
        own = walk.crawl(client, names, SKIP)
        for route, admin_url in reference.items():
            own_walk = route in own
            url, status = own[route] if own_walk else (admin_url, client.get(admin_url).status_code)
            ok = entitled(requirement(route), perms, roles)
            problem = judge(route, url, status, ok=ok, own_walk=own_walk,
                            anon=username == ANONYMOUS)  # fmt: skip
            if problem:
                wrong.append(f"{username:<14} {url}  [{route}]  {problem}")
    assert not wrong, f"{len(wrong)} answers disagree with the permission table:\n" + "\n".join(
        wrong
    )
