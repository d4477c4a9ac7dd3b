"""Reads of the matrix, scoped to the asking user; the pages and the API both call these."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from mediadesk.core import scopes
from mediadesk.core.errors import PermissionDenied
from mediadesk.core.params import id_param
from mediadesk.matrix import rules
from mediadesk.matrix.models import Account, Platform, StandardRule
from mediadesk.orgs import queries as org_queries
from mediadesk.orgs.models import Company, Project
from mediadesk.orgs.roles import Perm


def visible_accounts(user: Any) -> QuerySet[Account]:
    """Live accounts the user may see: in scope for matrix.view, or in their own custody."""
    q = scopes.scope_q(user, Perm.MATRIX_VIEW, shared=True)
    if scopes.has_perm(user, Perm.MATRIX_VIEW_OWN):
        q |= Q(custodian_id=user.pk) | Q(backup_custodian_id=user.pk)
    return (
        Account.objects.alive()
        .filter(q)
        .select_related(
            "organisation",
            "platform",
            "company",
            "project",
            "custodian",
            "backup_custodian",
            "parent",
        )
    )


def require_view(user: Any) -> None:
    """403 unless the user may see some part of the matrix."""
    scopes.require(
        scopes.has_perm(user, Perm.MATRIX_VIEW) or scopes.has_perm(user, Perm.MATRIX_VIEW_OWN),
        _("没有查看账号矩阵的权限"),
    )


def require_manage(user: Any) -> None:
    """403 unless the user may manage accounts somewhere (each write then checks its scope)."""
    scopes.require(scopes.has_perm(user, Perm.MATRIX_MANAGE), _("没有管理账号的权限"))


def require_platforms(user: Any) -> None:
    """403 unless the user may maintain platforms and standards rules."""
    scopes.require(
        scopes.has_perm(user, Perm.PLATFORMS_MANAGE), _("只有系统管理员可以维护平台与规范规则")
    )


def can_manage(user: Any, account: Account) -> bool:
    return scopes.allows(user, Perm.MATRIX_MANAGE, account)


def can_reveal(user: Any, account: Account) -> bool:
    """Custodians of the account and holders of matrix.secrets in its scope may reveal secrets."""
    if account.custodian_id == user.pk or account.backup_custodian_id == user.pk:
        return True
    return scopes.allows(user, Perm.MATRIX_SECRETS, account)


def access_account(user: Any, account_id: Any, *, for_write: bool = False) -> Account:
    """The account if visible (else 404), and manageable when `for_write` (else 403)."""
    account = scopes.get_or_404(visible_accounts(user), account_id)
    if for_write and not can_manage(user, account):
        raise PermissionDenied(_("没有管理该账号的权限"))
    return account


def filter_accounts(qs: QuerySet[Account], params: Any) -> QuerySet[Account]:
    """Apply the list/tree filters shared by the pages, the export and the API."""
    if value := params.get("platform"):
        qs = qs.filter(platform__code=value)
    for key in ("company", "project", "custodian"):
        if value := id_param(params.get(key)):
            qs = qs.filter(**{f"{key}_id": value})
    if (value := params.get("level")) and str(value) in {"1", "2", "3"}:
        qs = qs.filter(level=int(value))
    if value := params.get("status"):
        qs = qs.filter(status=value)
    if value := (params.get("q") or "").strip():
        qs = qs.filter(Q(name__icontains=value) | Q(platform_account_id__icontains=value))
    return qs


def active_platforms() -> QuerySet[Platform]:
    return Platform.objects.filter(is_active=True)


def rule_defs() -> list[rules.RuleDef]:
    return [
        rules.RuleDef(r.code, r.message, r.severity)
        for r in StandardRule.objects.filter(enabled=True)
    ]


# pk -> (level, parent_id, brand_keyword, tone_keywords): enough to find any account's template
Lineage = dict[int, tuple[int, int | None, str, str]]


def lineage(organisation_ids: Iterable[int]) -> Lineage:
    """The parent chain data of every live account of the organisations, without model rows."""
    rows = Account.objects.alive().filter(organisation_id__in=set(organisation_ids))
    return {
        pk: (level, parent_id, keyword, tone)
        for pk, level, parent_id, keyword, tone in rows.values_list(
            "pk", "level", "parent_id", "brand_keyword", "tone_keywords"
        )
    }


def template_of(account: Account, chain: Lineage | None = None) -> rules.Template:
    """The standard of the account's nearest level-1 ancestor (itself if level 1)."""
    chain = chain if chain is not None else lineage([account.organisation_id])
    current: tuple[int, int | None, str, str] | None = (
        account.level, account.parent_id, account.brand_keyword, account.tone_keywords
    )  # fmt: skip
    for _step in range(5):
        if current is None or current[0] == 1 or current[1] is None:
            break
        current = chain.get(current[1])
    keyword = ""
    tone: tuple[str, ...] = ()
    if current is not None and current[0] == 1:
        keyword, tone = current[2], rules.parse_keywords(current[3])
    return rules.Template(
        brand_keyword=keyword or account.organisation.brand_keyword, tone_keywords=tone
    )


def profile_of(account: Account) -> rules.Profile:
    return rules.Profile(
        name=account.name,
        level=account.level,
        bio=account.bio,
        hook=account.hook,
        has_avatar=bool(account.avatar),
        has_banner=bool(account.banner),
        is_live_account=account.is_live_account,
        live_schedule=account.live_schedule,
        verification=account.verification,
        has_custodian=account.custodian_id is not None,
        has_parent=account.parent_id is not None,
    )


def limits_of(platform: Platform) -> rules.Limits:
    return rules.Limits(platform.name_max_len, platform.bio_max_len, platform.supports_live)


# Apps above the matrix add findings of their own (publishing: a broken API connection);
# each hook maps account ids to extra findings.
EXTRA_FINDINGS: list[Callable[[list[int]], dict[int, list[rules.Finding]]]] = []


def _extra(account_ids: list[int]) -> dict[int, list[rules.Finding]]:
    out: dict[int, list[rules.Finding]] = {}
    for hook in EXTRA_FINDINGS:
        for pk, found in hook(account_ids).items():
            out.setdefault(pk, []).extend(found)
    return out


def standards_for(account: Account, defs: list[rules.RuleDef] | None = None) -> list[rules.Finding]:
    """The standards findings of one account."""
    found = rules.check_profile(
        profile_of(account), template_of(account), limits_of(account.platform), defs or rule_defs()
    )
    return found + _extra([account.pk]).get(account.pk, [])


def standards_report(
    accounts: Iterable[Account], chain: Lineage | None = None
) -> list[tuple[Account, list[rules.Finding]]]:
    """Findings for many accounts with one rules query and one lineage query."""
    accounts = list(accounts)
    defs = rule_defs()
    if chain is None:
        chain = lineage(a.organisation_id for a in accounts)
    extra = _extra([a.pk for a in accounts])
    return [
        (a, rules.check_profile(profile_of(a), template_of(a, chain), limits_of(a.platform), defs)
         + extra.get(a.pk, []))
        for a in accounts
    ]  # fmt: skip


def level_summary(user: Any) -> list[dict[str, Any]]:
    """Account counts per level (and how many are not active) among visible accounts."""
    from django.db.models import Count

    from mediadesk.matrix.models import AccountStatus, Level

    rows = (
        visible_accounts(user)
        .values("level")
        .annotate(total=Count("id"), inactive=Count("id", filter=~Q(status=AccountStatus.ACTIVE)))
    )
    by_level: dict[int, dict[str, Any]] = {r["level"]: dict(r) for r in rows}
    return [
        {"level": lvl.value, "label": lvl.label, "short": lvl.label.split("（")[0], "total": by_level.get(lvl.value, {}).get("total", 0),
         "inactive": by_level.get(lvl.value, {}).get("inactive", 0)}
        for lvl in Level
    ]  # fmt: skip


FILTER_KEYS = ("platform", "company", "project", "custodian", "level", "status", "q")

SORTS: dict[str, Any] = {
    "name": F("name").asc(),
    "-name": F("name").desc(),
    "level": F("level").asc(),
    "-level": F("level").desc(),
    "followers": F("followers").asc(nulls_first=True),
    "-followers": F("followers").desc(nulls_last=True),
    "updated": F("updated_at").asc(),
    "-updated": F("updated_at").desc(),
}


def sort_accounts(qs: QuerySet[Account], sort: str | None) -> QuerySet[Account]:
    """Order by one of SORTS (unknown keys keep the default level/platform/name order)."""
    if sort in SORTS:
        return qs.order_by(SORTS[sort], "pk")
    return qs


def has_filters(params: Mapping[str, Any]) -> bool:
    return any((params.get(key) or "").strip() for key in FILTER_KEYS)


def manageable_projects(user: Any) -> QuerySet[Project]:
    """Projects in which the user may manage accounts (choices of the account form)."""
    return org_queries.visible_projects(user, perm=Perm.MATRIX_MANAGE)


def manageable_companies(user: Any) -> QuerySet[Company]:
    """Companies in which the user may manage accounts."""
    return org_queries.visible_companies(user, perm=Perm.MATRIX_MANAGE)


@dataclass
class TreeNode:
    """One account in the matrix tree with its standards counts and shown children."""

    account: Account
    errors: int
    warnings: int
    matched: bool
    children: list[TreeNode] = field(default_factory=list)


@dataclass
class Tree:
    roots: list[TreeNode]
    orphans: list[TreeNode]  # level 2/3 accounts that have no parent at all
    matched: int
    total: int


def _with_ancestors(matched: set[int], parents: dict[int, int | None]) -> set[int]:
    shown: set[int] = set()
    for pk in matched:
        node: int | None = pk
        while node is not None and node in parents and node not in shown:
            shown.add(node)
            node = parents[node]
    return shown


def account_tree(user: Any, params: Mapping[str, Any]) -> Tree:
    """Visible accounts as a level tree; with filters, the matches plus their visible ancestors.

    Accounts whose parent is not visible to the user become roots; accounts above level 1
    without any parent go to `orphans` (未挂接上级).
    """
    visible = visible_accounts(user)
    parents: dict[int, int | None] = dict(visible.values_list("pk", "parent_id"))
    if has_filters(params):
        matched = set(filter_accounts(visible, params).values_list("pk", flat=True))
        shown = _with_ancestors(matched, parents)
        rows = visible.filter(pk__in=shown) if len(shown) < len(parents) else visible
    else:
        matched = set(parents)
        rows = visible
    nodes: dict[int, TreeNode] = {}
    for account, findings in standards_report(
        rows.order_by("level", "platform__sort", "name", "pk")
    ):
        severities = [f.severity for f in findings]
        nodes[account.pk] = TreeNode(
            account, severities.count("error"), severities.count("warning"), account.pk in matched
        )
    roots: list[TreeNode] = []
    orphans: list[TreeNode] = []
    for node in nodes.values():
        parent_id = node.account.parent_id
        if parent_id is not None and parent_id in nodes:
            nodes[parent_id].children.append(node)
        elif parent_id is None and node.account.level > 1:
            orphans.append(node)
        else:
            roots.append(node)
    return Tree(roots, orphans, len(matched), len(parents))


def tree_rows(nodes: list[TreeNode]) -> Iterator[tuple[str, TreeNode | None]]:
    """The tree as ("open", node) / ("leaf", node) / ("close", None) steps, so a template can
    draw nested lists in one loop instead of one include per node."""
    stack: list[Iterator[TreeNode]] = [iter(nodes)]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            if stack:
                yield "close", None
        elif node.children:
            yield "open", node
            stack.append(iter(node.children))
        else:
            yield "leaf", node


@dataclass
class RuleCount:
    code: str
    severity: str
    example: str  # one finding's message, as a readable label of the rule
    count: int


@dataclass
class StandardsOverview:
    report: list[tuple[Account, list[rules.Finding]]]  # worst accounts first
    counts: list[RuleCount]  # most frequent first

    @property
    def with_findings(self) -> int:
        return sum(1 for _, findings in self.report if findings)


def standards_overview(user: Any, params: Mapping[str, Any]) -> StandardsOverview:
    """The standards report of the visible accounts, filtered by platform, level and severity."""
    accounts = filter_accounts(visible_accounts(user), params)
    report = standards_report(accounts)
    if severity := params.get("severity"):
        report = [(a, [f for f in fs if f.severity == severity]) for a, fs in report]
        report = [(a, fs) for a, fs in report if fs]
    report.sort(key=lambda item: [rules.SEVERITY_ORDER.get(f.severity, 9) for f in item[1]] + [9])
    counts: dict[str, RuleCount] = {}
    for _account, findings in report:
        for f in findings:
            counts.setdefault(f.code, RuleCount(f.code, f.severity, f.message, 0)).count += 1
    ordered = sorted(counts.values(), key=lambda c: (-c.count, c.code))
    return StandardsOverview(report, ordered)
