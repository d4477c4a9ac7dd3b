"""Reads of the compliance app: running the checker for a user, lexicon lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from mediadesk.compliance import services
from mediadesk.compliance.filters import PatternFilters, TermFilters, WhitelistFilters
from mediadesk.compliance.models import PatternRule, Term, WhitelistEntry
from mediadesk.compliance.rules import Finding
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


def filter_terms(organisation: Organisation, params: Mapping[str, Any]) -> QuerySet[Term]:
    """The organisation's terms filtered and sorted as the page's query string says."""
    qs = Term.objects.filter(organisation=organisation)
    return TermFilters.from_query(params).sorted(qs)


def whitelist_of(organisation: Organisation, params: Mapping[str, Any]) -> QuerySet[WhitelistEntry]:
    qs = WhitelistEntry.objects.filter(organisation=organisation)
    return WhitelistFilters.from_query(params).sorted(qs)


def patterns_of(organisation: Organisation, params: Mapping[str, Any]) -> QuerySet[PatternRule]:
    qs = PatternRule.objects.filter(organisation=organisation)
    return PatternFilters.from_query(params).sorted(qs)
