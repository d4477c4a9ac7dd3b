"""Metric pulls at 1/24/48/72 h and daily account figures, written through the analytics
ingestion service (the same engine as imports), so template 3 fills without files. A failed
pull is retried on the next pass and reported on the job; a snapshot is never invented."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from mediadesk.analytics import daily
from mediadesk.analytics import services as ingest
from mediadesk.analytics.models import ImportKind, Source
from mediadesk.core import scopes
from mediadesk.orgs.models import User
from mediadesk.orgs.roles import Perm
from mediadesk.publishing.connectors import connector_for
from mediadesk.publishing.connectors.base import PlatformError
from mediadesk.publishing.models import Connection, MetricPull, PublishJob, State

MAX_TRIES = 6


def _importer(job: Any) -> Any:
    """Whose name the automatic import carries: the scheduler, else an admin of the org."""
    for user in (job.created_by, job.account.custodian):
        if user is not None and scopes.allows(
            user, Perm.ANALYTICS_IMPORT, job.account, shared=True
        ):
            return user
    return User.objects.filter(
        organisation_id=job.organisation_id, role_grants__role="admin"
    ).first()


def ingest_figures(job: PublishJob, figures: dict[str, int], taken_at: dt.datetime) -> None:
    """One snapshot for the post, through analytics validate → write."""
    user = _importer(job)
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


def pull_account_daily(day: dt.date) -> int:
    """Yesterday's follower figures of every connected 公众号 (datacube), as daily rows."""
    from mediadesk.publishing.connectors.wechat import WechatConnector

    count = 0
    for conn in Connection.objects.filter(account__platform__code="wechat_mp").select_related(
        "account", "account__platform", "account__custodian"
    ):
        try:
            values = WechatConnector().account_daily(conn, day)
        except PlatformError:
            continue
        user = _importer(type("J", (), {"created_by": None, "account": conn.account,
                                        "organisation_id": conn.organisation_id})())  # fmt: skip
        if user is None:
            continue
        batch = ingest.start_batch(by=user, platform=conn.account.platform, account=conn.account,
                                   source=Source.API, total_rows=1, kind=ImportKind.ACCOUNT_DAILY)  # fmt: skip
        ctx = ingest.Context(user=user, batch=batch)
        row = ingest.RawRow(0, {"account": conn.account.pk, "date": day, **values})
        report = daily.validate(ImportKind.ACCOUNT_DAILY, [row], ctx)
        if not report.errors:
            daily.write(ImportKind.ACCOUNT_DAILY, report, ctx)
            count += 1
    return count
