"""Reads of the compliance app: running the checker for a user, lexicon lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from mediadesk.compliance import services
from mediadesk.compliance.models import PatternRule, Term, WhitelistEntry
from mediadesk.compliance.rules import Category, Finding, Severity
from mediadesk.core import scopes
from mediadesk.core.errors import PermissionDenied
from mediadesk.orgs.models import Organisation
from mediadesk.orgs.roles import Perm


def known_platform(code: str) -> bool:
    """Whether a platform code names an existing platform."""
    from mediadesk.matrix.models import Platform

    return Platform.objects.filter(code=code).exists()


def can_check(user: Any) -> bool:
    return scopes.has_perm(user, Perm.COMPLIANCE_CHECK)


def can_manage(user: Any) -> bool:
    return scopes.has_perm(user, Perm.COMPLIANCE_MANAGE)


def check_for(
    user: Any, text: str, *, platform: str | None = None, industry: str | None = None
) -> list[Finding]:
    """Check `text` with the lexicon of the user's organisation (requires compliance.check)."""
    scopes.require(can_check(user) or can_manage(user), _("没有使用合规检查的权限"))
    return services.check_text(
        text, organisation=user.organisation_id, platform=platform, industry=industry
    )


def check_result(findings: Sequence[Finding]) -> dict[str, Any]:
    """The API/CLI answer: passed (no block finding) and the findings as dicts."""
    return {
        "passed": not services.has_block(findings),
        "findings": [f.as_dict() for f in findings],
    }


def require_view(user: Any) -> Organisation:
    """The user's organisation, whose lexicon they may read (compliance.check or .manage);
    seeds the default lexicon on first use."""
    scopes.require(can_check(user) or can_manage(user), _("没有查看合规词库的权限"))
    if user.organisation is None:
        raise PermissionDenied(_("用户不属于任何组织"))
    services.lexicon_version(user.organisation)
    return user.organisation


def require_manage(user: Any) -> Organisation:
    """The user's organisation, whose lexicon they may change (compliance.manage)."""
    organisation = require_view(user)
    scopes.require(can_manage(user), _("没有维护合规词库的权限"))
    return organisation


def filter_terms(organisation: Organisation, params: Mapping[str, str]) -> QuerySet[Term]:
    """The organisation's terms filtered by category, severity, status and a search word."""
    qs = Term.objects.filter(organisation=organisation)
    if params.get("category") in Category.values:
        qs = qs.filter(category=params["category"])
    if params.get("severity") in Severity.values:
        qs = qs.filter(severity=params["severity"])
    status = params.get("status", "")
    if status in ("active", "inactive"):
        qs = qs.filter(is_active=status == "active")
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(term__icontains=q) | Q(suggestion__icontains=q) | Q(key__contains=q.casefold())
        )
    return qs.order_by("category", "term", "id")


def whitelist_of(organisation: Organisation, q: str = "") -> QuerySet[WhitelistEntry]:
    qs = WhitelistEntry.objects.filter(organisation=organisation)
    if q.strip():
        qs = qs.filter(phrase__icontains=q.strip())
    return qs.order_by("-is_active", "phrase", "id")


def patterns_of(organisation: Organisation) -> QuerySet[PatternRule]:
    return PatternRule.objects.filter(organisation=organisation).order_by(
        "-is_active", "code", "id"
    )
