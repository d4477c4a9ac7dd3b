"""Periodic jobs of publishing (run by `mediadesk worker`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy

from mediadesk.core.periodic import periodic


@periodic(
    "publishing.dispatch", every=timedelta(seconds=15), label=gettext_lazy("派发到点的发布任务")
)
def dispatch(slot: datetime) -> int:
    from mediadesk.publishing import engine

    return engine.dispatch(max(slot, timezone.now()))


@periodic(
    "publishing.sweep", every=timedelta(minutes=1), label=gettext_lazy("发布任务对账与超时回收")
)
def sweep(slot: datetime) -> dict[str, int]:
    from mediadesk.publishing import engine

    return engine.sweep(timezone.now())


@periodic(
    "publishing.reminders",
    every=timedelta(minutes=5),
    label=gettext_lazy("发布包提醒与发布后检查超时升级"),
)
def reminders(slot: datetime) -> int:
    from mediadesk.publishing import services

    now = timezone.now()
    return services.remind_packages(now) + services.escalate_checks(now)


@periodic(
    "publishing.pull_metrics",
    every=timedelta(minutes=10),
    label=gettext_lazy("拉取发布后 1/24/48/72 小时数据"),
)
def pull_metrics(slot: datetime) -> int:
    from mediadesk.publishing import pulls

    return pulls.pull_due()


@periodic(
    "publishing.daily", every=timedelta(days=1), label=gettext_lazy("拉取账号日数据、授权到期提醒")
)
def daily(slot: datetime) -> int:
    """Once a day (the slot is 00:00 UTC, 08:00 in China, after the platforms publish the
    previous day): expiry warnings, then the accounts' daily figures up to yesterday — the last
    week each time, so a day missed while a platform was down is filled in the next day."""
    from mediadesk.publishing import conf, pulls, services

    services.warn_expiring(timezone.now())
    yesterday = timezone.localdate(slot) - timedelta(days=1)
    result = pulls.pull_account_daily(yesterday, days=conf.DAILY_PULL_DAYS)
    return sum(result.rows.values())
