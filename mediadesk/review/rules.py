"""Pure review rules: which steps a revision walks through, what a valid workflow is, when a
pending step is overdue, and where a finding sits in its text. No database access."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

LEGAL_ROLE = "legal"
SNIPPET_CONTEXT = 12


@dataclass(frozen=True)
class StepSpec:
    """What routing and validation need to know about one workflow step."""

    order: int
    name: str
    roles: tuple[str, ...]
    only_when_risky: bool = False
    requires_override_for_block: bool = False


def applies(step: StepSpec, *, risky: bool) -> bool:
    """Whether a step runs for a revision: risky-only steps run only when risky.

    A revision with a `block` finding therefore walks every step, including the legal one
    (workflow validation guarantees every workflow has a legal step)."""
    return risky or not step.only_when_risky


def workflow_errors(steps: Sequence[StepSpec], *, known_roles: set[str]) -> list[str]:
    """Why a list of steps is not a usable workflow (empty when it is)."""
    errors: list[str] = []
    if not steps:
        return [_("至少需要一个审核步骤")]
    for position, step in enumerate(steps, start=1):
        if not step.name.strip():
            errors.append(_("第 %(n)s 步：请填写步骤名称") % {"n": position})
        if not step.roles:
            errors.append(_("第 %(n)s 步：请至少选择一个可审核角色") % {"n": position})
        unknown = set(step.roles) - known_roles
        if unknown:
            errors.append(
                _("第 %(n)s 步：未知角色 %(roles)s")
                % {"n": position, "roles": "、".join(sorted(unknown))}
            )
    if all(step.only_when_risky for step in steps):
        errors.append(_("至少一个步骤必须始终执行（不勾选“仅高风险时执行”）"))
    if not any(LEGAL_ROLE in step.roles for step in steps):
        errors.append(
            _(
                "流程必须包含由法务/公关审核的步骤（可设为仅高风险时执行），"
                "以保证存在禁止级问题的内容经过法务审核"
            )
        )
    if not any(step.requires_override_for_block for step in steps):
        errors.append(_("至少一个步骤须勾选“存在禁止级问题时须填写放行理由”"))
    return errors


def is_overdue(started_at: datetime | None, *, hours: int, now: datetime) -> bool:
    """A pending step is overdue once it has waited `hours` hours."""
    return started_at is not None and started_at <= now - timedelta(hours=hours)


def needs_reminder(
    started_at: datetime | None, reminded_at: datetime | None, *, hours: int, now: datetime
) -> bool:
    """Overdue and not reminded within the last period: re-notify at most once per period."""
    if not is_overdue(started_at, hours=hours, now=now):
        return False
    return reminded_at is None or reminded_at <= now - timedelta(hours=hours)


@dataclass(frozen=True)
class Snippet:
    """A finding's text split around the hit, for highlighting."""

    before: str
    hit: str
    after: str


def snippet(text: str, start: Any, end: Any, *, context: int = SNIPPET_CONTEXT) -> Snippet | None:
    """The hit text[start:end] with a little context on each side; None if offsets are unusable."""
    if not isinstance(start, int) or not isinstance(end, int):
        return None
    if not (0 <= start < end <= len(text)):
        return None
    lead = "…" if start > context else ""
    tail = "…" if end + context < len(text) else ""
    return Snippet(
        before=lead + text[max(0, start - context) : start],
        hit=text[start:end],
        after=text[end : end + context] + tail,
    )


def block_count(findings: Sequence[dict[str, Any]]) -> int:
    """How many findings are `block` severity."""
    return sum(1 for f in findings if f.get("severity") == "block")
