"""Metric pulls at 1/24/48/72 h and daily account figures, written through the analytics
ingestion service (the same engine as imports), so template 3 fills without files. A failed
pull is retried on the next pass and reported on the job; a snapshot is never invented."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext

from mediadesk.analytics import daily
from mediadesk.analytics import services as ingest
from mediadesk.analytics.models import ImportKind, Source
from mediadesk.core import scopes
from mediadesk.core.errors import PermissionDenied, ValidationError
from mediadesk.orgs.models import User
from mediadesk.orgs.roles import Perm
from mediadesk.publishing.connectors import CONNECTORS, connector_for
from mediadesk.publishing.connectors.base import PlatformError
from mediadesk.publishing.connectors.douyin import NO_SCOPE
from mediadesk.publishing.models import (
    Connection,
    ConnectionStatus,
    MetricPull,
    PublishJob,
    State,
)

log = logging.getLogger(__name__)
MAX_TRIES = 6


def _importer(account: Any, organisation_id: int, scheduler: Any = None) -> Any:
    """Whose name the automatic import carries: the scheduler or the account's custodian when
    they may import for the account, else an admin of the org."""
    for user in (scheduler, account.custodian):
        if user is not None and scopes.allows(user, Perm.ANALYTICS_IMPORT, account, shared=True):
            return user
    return User.objects.filter(organisation_id=organisation_id, role_grants__role="admin").first()


def ingest_figures(job: PublishJob, figures: dict[str, int], taken_at: dt.datetime) -> None:
    """One snapshot for the post, through analytics validate → write."""
    user = _importer(job.account, job.organisation_id, job.created_by)
    batch = ingest.start_batch(by=user, platform=job.platform, account=job.account,
                               source=Source.API, total_rows=1, as_of=taken_at)  # fmt: skip
    ctx = ingest.Context(user=user, batch=batch)
    row = ingest.RawRow(0, {"variant": job.variant_id, "taken_at": taken_at, **figures})
    report = ingest.validate([row], ctx)
    if report.errors:
        raise PlatformError("ingest", "; ".join(report.messages(3)))
    ingest.write(report, ctx)


def pull_due(now: dt.datetime | None = None) -> int:
    """Run every due pull once; errors stay on the row and are retried next pass."""
    now = now or timezone.now()
    due = MetricPull.objects.filter(done_at__isnull=True, due_at__lte=now, tries__lt=MAX_TRIES,
                                    job__state=State.PUBLISHED).select_related(
        "job", "job__account", "job__platform", "job__created_by", "job__account__custodian")  # fmt: skip
    done = 0
    for pull in due[:500]:
        done += _pull(pull, now)
    return done


def _pull(pull: MetricPull, now: dt.datetime) -> int:
    job = pull.job
    connector = connector_for(job.platform.code)
    conn = Connection.objects.filter(account_id=job.account_id).first()
    if connector is None or conn is None:
        MetricPull.objects.filter(pk=pull.pk).update(tries=MAX_TRIES, error="无接口，需导入数据")
        return 0
    job.account.connection = conn
    try:
        figures = connector.pull_metrics(job)
        ingest_figures(job, figures, now.replace(microsecond=0))
    except PlatformError as exc:
        MetricPull.objects.filter(pk=pull.pk).update(tries=pull.tries + 1, error=exc.message[:300])
        return 0
    MetricPull.objects.filter(pk=pull.pk).update(done_at=now, tries=pull.tries + 1, error="")
    return 1


# --- daily account figures ---------------------------------------------------------------------

DAILY_CHUNK = 7  # days per call (datacube's widest span)


@dataclass
class DailyResult:
    """What one daily pull did: rows written per account, and the accounts that failed (with
    the message also left on their connection)."""

    rows: dict[int, int] = field(default_factory=dict)  # account id → rows created or updated
    unchanged: int = 0
    failed: dict[int, str] = field(default_factory=dict)  # account id → what went wrong


def daily_connections() -> Any:
    """Connected accounts whose platform reports daily account figures (公众号, 抖音)."""
    codes = [code for code, c in CONNECTORS.items() if hasattr(c, "account_daily")]
    return Connection.objects.filter(
        account__platform__code__in=codes, account__deleted_at__isnull=True,
        status=ConnectionStatus.CONNECTED,
    ).select_related("account", "account__platform", "account__custodian").order_by("pk")  # fmt: skip


def pull_account_daily(day: dt.date, *, days: int = 1) -> DailyResult:
    """Follower figures of every connected 公众号 (datacube) and 抖音 account (fans data) for the
    `days` days ending with `day`, written as daily rows through the analytics ingestion service
    (idempotent per account and date). One account failing is reported on its connection and
    in the result; the others go on."""
    first = day - dt.timedelta(days=max(1, days) - 1)
    result = DailyResult()
    for conn in daily_connections():
        try:
            created, updated, unchanged = _pull_daily(conn, first, day)
        except PlatformError as exc:
            _daily_failed(conn, exc.message, result, reauth=exc.reauth and exc.code not in NO_SCOPE)
            continue
        except ValidationError as exc:
            _daily_failed(conn, "；".join(exc.messages), result)
            continue
        except PermissionDenied as exc:
            _daily_failed(conn, str(exc), result)
            continue
        except Exception as exc:  # a bug with one account must not stop the others
            log.exception("daily figures of account %s failed", conn.account_id)
            _daily_failed(conn, gettext("内部错误：%(e)s") % {"e": type(exc).__name__}, result)
            continue
        result.rows[conn.account_id] = created + updated
        result.unchanged += unchanged
        if conn.last_error:
            Connection.objects.filter(pk=conn.pk, status=ConnectionStatus.CONNECTED).update(
                last_error=""
            )
    return result


def _pull_daily(conn: Connection, first: dt.date, last: dt.date) -> tuple[int, int, int]:
    connector = CONNECTORS[conn.account.platform.code]
    figures: dict[dt.date, dict[str, int]] = {}
    start = first
    while start <= last:
        end = min(last, start + dt.timedelta(days=DAILY_CHUNK - 1))
        figures.update(connector.account_daily(conn, start, end))  # type: ignore[attr-defined]
        start = end + dt.timedelta(days=1)
    if not figures:
        raise PlatformError("no_data", gettext("平台暂无该账号在所选日期的数据"))
    return _write_daily(conn, figures)


def _write_daily(conn: Connection, figures: dict[dt.date, dict[str, int]]) -> tuple[int, int, int]:
    """The figures as ACCOUNT_DAILY rows: analytics validate → write (one batch, one audit entry)."""
    user = _importer(conn.account, conn.organisation_id)
    if user is None:
        raise PermissionDenied(gettext("组织内没有可代为导入数据的用户（需要数据导入权限）"))
    batch = ingest.start_batch(by=user, platform=conn.account.platform, account=conn.account,
                               source=Source.API, total_rows=len(figures), persist=False,
                               kind=ImportKind.ACCOUNT_DAILY)  # fmt: skip
    ctx = ingest.Context(user=user, batch=batch)
    rows = [ingest.RawRow(n, {"account": conn.account.pk, "date": day, **values})
            for n, (day, values) in enumerate(sorted(figures.items()), start=1)]  # fmt: skip
    report = daily.validate(ImportKind.ACCOUNT_DAILY, rows, ctx)
    if report.errors:
        raise PlatformError("ingest", "; ".join(report.messages(3)))
    batch.save()
    daily.write(ImportKind.ACCOUNT_DAILY, report, ctx)
    return report.created, report.updated, report.unchanged


def _daily_failed(
    conn: Connection, message: str, result: DailyResult, *, reauth: bool = False
) -> None:
    """Report a failed pull: on the connection (an expired authorisation also marks it 授权已过期,
    as publishing does), in the result and the log."""
    text = gettext("账号日数据拉取失败：%(m)s") % {"m": message}
    values: dict[str, Any] = {"last_error": (message if reauth else text)[:300]}
    if reauth:
        values["status"] = ConnectionStatus.EXPIRED
    Connection.objects.filter(pk=conn.pk).update(**values)
    result.failed[conn.account_id] = text
    log.warning("daily figures of account %s: %s", conn.account_id, message)
