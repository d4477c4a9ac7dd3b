"""Reads and access checks of publishing, shared by the pages and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.core import cockpit, scopes
from mediadesk.core.errors import PermissionDenied
from mediadesk.matrix.models import Account
from mediadesk.publishing import conf, perms
from mediadesk.publishing.filters import CheckFilters, JobFilters
from mediadesk.publishing.models import PostCheck, PublishJob, State


def require(user: Any, perm: str = perms.VIEW) -> None:
    scopes.require(scopes.has_perm(user, perm), "没有发布相关的权限")


def visible_jobs(user: Any) -> QuerySet[PublishJob]:
    """Jobs in the scopes where the user may view publishing."""
    return PublishJob.objects.filter(scopes.scope_q(user, perms.VIEW, shared=True)).select_related(
        "variant", "variant__item", "account", "platform"
    )


def access_job(user: Any, pk: Any, *, for_write: bool = False) -> PublishJob:
    job = scopes.get_or_404(visible_jobs(user), pk)
    if for_write and not scopes.allows(user, perms.PUBLISH, job, shared=True):
        raise PermissionDenied("没有在该范围操作发布的权限")
    return job


def filter_jobs(qs: QuerySet[PublishJob], params: Mapping[str, Any]) -> QuerySet[PublishJob]:
    """Filters of the queue, the API and the card (JobFilters), in the queue's order."""
    return JobFilters.from_query(params).sorted(qs)


def visible_checks(user: Any) -> QuerySet[PostCheck]:
    return PostCheck.objects.filter(scopes.scope_q(user, perms.VIEW, shared=True)).select_related(
        "job", "variant", "variant__item", "job__account"
    )


def overdue_packages(now: dt.datetime | None = None) -> QuerySet[PublishJob]:
    now = now or timezone.now()
    return PublishJob.objects.filter(
        state=State.MANUAL, scheduled_at__lt=now - conf.package_grace()
    )


def connectable_accounts(user: Any) -> QuerySet[Account]:
    return (
        Account.objects.alive()
        .filter(scopes.scope_q(user, perms.VIEW, shared=True))
        .select_related("platform", "connection", "custodian")
        .order_by("platform__sort", "name")
    )


def quota_used(account: Account, day: dt.date) -> int:
    """Jobs going out on the account that day (the platform's daily quota counts them)."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return PublishJob.objects.filter(
        account=account, scheduled_at__gte=start, scheduled_at__lt=start + dt.timedelta(days=1),
        state__in=[State.QUEUED, State.PUBLISHING, State.SUBMITTED, State.PUBLISHED, State.MANUAL],
    ).count()  # fmt: skip


CALENDAR_STATES = (State.FAILED, State.MANUAL, State.PUBLISHING, State.SUBMITTED)


def calendar_states(variant_ids: list[int]) -> dict[int, tuple[str, str]]:
    """The calendar's 发布失败 / 待人工发布 / 发布中 for variants whose latest job says so."""
    latest: dict[int, tuple[str, str]] = {}
    rows = PublishJob.objects.filter(variant_id__in=variant_ids).order_by("variant_id", "pk")
    for variant_id, state in rows.values_list("variant_id", "state"):
        latest[variant_id] = (state, str(State(state).label))
    return {k: v for k, v in latest.items() if v[0] in CALENDAR_STATES}


def connection_findings(account_ids: list[int]) -> dict[int, list[Any]]:
    """Standards-report findings for accounts whose API connection is expired or broken."""
    from mediadesk.matrix.rules import Finding
    from mediadesk.publishing.models import Connection, ConnectionStatus

    rows = Connection.objects.filter(account_id__in=account_ids).exclude(
        status=ConnectionStatus.CONNECTED
    )
    return {
        c.account_id: [
            Finding(
                code="publishing_connection",
                severity="error",
                field="connection",
                message=str(
                    _("发布接口连接异常（%(s)s）：%(e)s，请到 发布 → 账号连接 重新授权")
                    % {"s": c.get_status_display(), "e": c.last_error or "-"}
                ),
            )
        ]
        for c in rows
    }


def home_card(request: Any) -> dict[str, Any] | None:
    """The 工作台 card: failed jobs, packages due, 1-hour checks due, scheduled — each the
    length of the queue or check list it links to (hidden when all are zero)."""
    user = request.user
    if not getattr(user, "is_authenticated", False) or not scopes.has_perm(user, perms.VIEW):
        return None
    jobs, checks = visible_jobs(user), visible_checks(user)
    figures = [
        cockpit.counted(_("发布失败"), JobFilters, jobs, "publishing:queue", {"state": State.FAILED},
                        alarm="danger"),
        cockpit.counted(_("待人工发布"), JobFilters, jobs, "publishing:queue",
                        {"state": State.MANUAL, "due": "1"}, alarm="warning"),
        cockpit.counted(_("待发布检查"), CheckFilters, checks, "publishing:checks",
                        {"open": "1", "due": "1"}, alarm="warning"),
        cockpit.counted(_("已排期"), JobFilters, jobs, "publishing:queue", {"state": State.QUEUED}),
    ]  # fmt: skip
    if not any(f.value for f in figures):
        return None
    card = cockpit.Card("publishing", str(_("发布")), "bi-send", figures=figures)
    return card.context()
