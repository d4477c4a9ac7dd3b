"""Roles (00-overview.md) and what each may do. Pure data: the one place permissions are granted."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from mediadesk.core import registry


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    MANAGER = "manager", _("部门负责人/主管")
    PLANNER = "planner", _("内容策划")
    LEGAL = "legal", _("法务/公关")
    OPERATOR = "operator", _("运营专员")
    ANCHOR = "anchor", _("主播")
    SERVICE = "service", _("客服")
    ANALYST = "analyst", _("数据分析师")
    SALES = "sales", _("置业顾问/销售")
    CHANNEL = "channel", _("渠道/案场经理")
    BROKER = "broker", _("渠道经纪人")


class Perm:
    """Permission names; a role grants them within the scope it is held in."""

    MATRIX_VIEW = "matrix.view"  # every account in scope
    MATRIX_VIEW_OWN = "matrix.view_own"  # accounts the user is custodian of
    MATRIX_MANAGE = "matrix.manage"  # create/edit/import accounts, custody
    MATRIX_SECRETS = "matrix.secrets"  # reveal any credential in scope (custodians always may)
    PLATFORMS_MANAGE = "platforms.manage"
    AUDIT_VIEW = "audit.view"
    USERS_MANAGE = "users.manage"
    NOTIFY_MANAGE = "notifications.manage"  # robots and delivery status
    # content, review, compliance (02-content-review.md)
    CONTENT_VIEW = "content.view"  # items incl. drafts, calendar, assets in scope
    CONTENT_EDIT = "content.edit"  # plan: items, variants, series, nodes, assets; submit
    CONTENT_PUBLISH = "content.publish"  # mark approved variants published / withdrawn
    REVIEW_WORKFLOWS = "review.workflows"  # define review workflows
    COMPLIANCE_CHECK = "compliance.check"  # run the checker (editor, API)
    COMPLIANCE_MANAGE = "compliance.manage"  # lexicon, whitelist, pattern rules
    # analytics (03-analytics.md)
    ANALYTICS_VIEW = "analytics.view"  # dashboards, monitoring table, reports
    ANALYTICS_IMPORT = "analytics.import"  # metric imports and ingestion
    ANALYTICS_EDIT = "analytics.edit"  # analysis text, attribution tags, A/B tests, benchmarks
    # leads (04-leads.md); sales see their own customers through LEADS_VIEW_OWN
    LEADS_VIEW = "leads.view"  # every customer in scope
    LEADS_VIEW_OWN = "leads.view_own"  # customers assigned to me (and my team's, as supervisor)
    LEADS_CAPTURE = "leads.capture"  # quick entry of leads
    LEADS_REPORT = "leads.report"  # file channel reports (报备)
    LEADS_VISIT = "leads.visit"  # record and confirm visits (到访/带看)
    LEADS_IMPORT = "leads.import"  # Excel import; back-filled reported_at / visited_at
    LEADS_PHONE = "leads.phone"  # full phone numbers of every customer in scope
    LEADS_ASSIGN = "leads.assign"  # allocation, reassignment, public-pool campaigns
    LEADS_ARBITRATE = "leads.arbitrate"  # decide disputes, approve referrals
    LEADS_RULES = "leads.rules"  # project rule sets, channels, brokers, allocation settings
    LEADS_EXPORT = "leads.export"
    # commissions (04-leads.md); everyone sees their own statements
    COMMISSIONS_VIEW = "commissions.view"  # every statement in scope
    COMMISSIONS_MANAGE = "commissions.manage"  # schemes, incentives, adjustments, deals
    COMMISSIONS_APPROVE = "commissions.approve"  # approve (lock) statements


ALL_PERMS = frozenset(v for k, v in vars(Perm).items() if k.isupper())

_VIEWERS = {Perm.MATRIX_VIEW}
_CONTENT_READERS = {Perm.MATRIX_VIEW, Perm.CONTENT_VIEW, Perm.COMPLIANCE_CHECK}
_LEADS_DESK = {
    Perm.LEADS_VIEW,
    Perm.LEADS_CAPTURE,
    Perm.LEADS_REPORT,
    Perm.LEADS_VISIT,
    Perm.LEADS_IMPORT,
    Perm.LEADS_PHONE,
    Perm.LEADS_ASSIGN,
    Perm.LEADS_ARBITRATE,
    Perm.LEADS_RULES,
    Perm.LEADS_EXPORT,
}

ROLE_PERMS: dict[str, frozenset[str]] = {
    Role.ADMIN: ALL_PERMS,
    Role.MANAGER: frozenset(
        {Perm.MATRIX_VIEW, Perm.MATRIX_MANAGE, Perm.AUDIT_VIEW, Perm.NOTIFY_MANAGE}
        | _CONTENT_READERS
        | {Perm.CONTENT_EDIT, Perm.CONTENT_PUBLISH, Perm.REVIEW_WORKFLOWS}
        | {Perm.ANALYTICS_VIEW, Perm.ANALYTICS_IMPORT, Perm.ANALYTICS_EDIT}
        | _LEADS_DESK
        | {Perm.COMMISSIONS_VIEW, Perm.COMMISSIONS_MANAGE, Perm.COMMISSIONS_APPROVE}
    ),
    Role.PLANNER: frozenset(_CONTENT_READERS | {Perm.CONTENT_EDIT, Perm.ANALYTICS_VIEW}),
    Role.LEGAL: frozenset(_CONTENT_READERS | {Perm.COMPLIANCE_MANAGE, Perm.ANALYTICS_VIEW}),
    Role.OPERATOR: frozenset(
        _CONTENT_READERS
        | {Perm.MATRIX_MANAGE, Perm.CONTENT_EDIT, Perm.CONTENT_PUBLISH}
        | {Perm.ANALYTICS_VIEW, Perm.ANALYTICS_IMPORT, Perm.ANALYTICS_EDIT}
    ),
    Role.ANCHOR: frozenset(_CONTENT_READERS | {Perm.LEADS_CAPTURE}),
    Role.SERVICE: frozenset(_CONTENT_READERS | {Perm.LEADS_CAPTURE}),
    Role.ANALYST: frozenset(
        _CONTENT_READERS | {Perm.ANALYTICS_VIEW, Perm.ANALYTICS_IMPORT, Perm.ANALYTICS_EDIT}
    ),
    Role.SALES: frozenset(
        {Perm.MATRIX_VIEW_OWN, Perm.LEADS_VIEW_OWN, Perm.LEADS_CAPTURE, Perm.LEADS_VISIT}
    ),
    Role.CHANNEL: frozenset(_LEADS_DESK | {Perm.COMMISSIONS_VIEW}),
    Role.BROKER: frozenset({Perm.LEADS_REPORT}),
}


def perms_of(roles: set[str]) -> frozenset[str]:
    """Union of the permissions the given roles grant (here and through app registrations)."""
    out: set[str] = set()
    for role in roles:
        out |= ROLE_PERMS.get(role, frozenset())
        out |= registry.granted(role)
        if role == Role.ADMIN:
            out |= registry.perm_labels().keys()
    return frozenset(out)
