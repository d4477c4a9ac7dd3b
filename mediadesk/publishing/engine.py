"""The worker side of publishing: dispatch due jobs, run one job, poll, sweep expired leases.

Exactly once: a job is claimed by compare-and-set (queued → publishing, with a lease); before
the call that can create a post the worker re-checks its lease and writes `submit_started_at`;
whenever that mark is set, every later try first asks the platform whether the post exists
(`connector.find`) and records it instead of posting again. Ids are stored as soon as they are
known. The sweeper turns jobs whose lease ran out (worker killed) back into queued jobs after
reconciling them with the platform, so nothing stays 发布中 forever.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from mediadesk.content.models import Status, Variant
from mediadesk.core import audit
from mediadesk.publishing import conf, guard, rules
from mediadesk.publishing.connectors import connector_for
from mediadesk.publishing.connectors.base import PlatformError, Posted, timeout
from mediadesk.publishing.models import (
    Attempt,
    Connection,
    ConnectionStatus,
    MetricPull,
    PostCheck,
    PublishJob,
    RateBucket,
    State,
)

log = logging.getLogger(__name__)

# Task priorities (higher runs first): due posts before polls of posts already submitted.
PUBLISH_PRIORITY, POLL_PRIORITY = 10, -10


class LeaseLost(Exception):
    """Another worker (or the sweeper) took the job over: stop without touching it."""


def worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"[:64]


# --- dispatch ----------------------------------------------------------------------------------


def due_jobs(now: dt.datetime) -> Any:
    """Due queued jobs not dispatched, or dispatched so long ago that their task was lost (a
    killed worker); a backlog shorter than that is not dispatched twice."""
    stale = now - conf.redispatch_after()
    return PublishJob.objects.filter(state=State.QUEUED, next_try_at__lte=now).filter(
        Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=stale)
    )


def dispatch(now: dt.datetime | None = None, *, chunk: int = 20) -> int:
    """Queue a task for every due job not dispatched lately (chunks of `chunk` jobs)."""
    from mediadesk.publishing.tasks import publish_jobs

    now = now or timezone.now()
    ids = list(due_jobs(now).order_by("next_try_at", "pk").values_list("pk", flat=True)[:20_000])
    for start in range(0, len(ids), 500):
        PublishJob.objects.filter(pk__in=ids[start : start + 500]).update(dispatched_at=now)
    for start in range(0, len(ids), chunk):
        transaction.on_commit(
            partial(
                publish_jobs.using(priority=PUBLISH_PRIORITY).enqueue, ids[start : start + chunk]
            ),
            robust=True,
        )
    return len(ids)


# --- claiming ----------------------------------------------------------------------------------


def claim(job_ids: list[int], worker: str, now: dt.datetime) -> dict[int, PublishJob | str]:
    """Take the due queued jobs among `job_ids` (compare-and-set), mark that a post may now be
    attempted, take a rate-limit token each and start their attempt rows — one transaction for
    the whole chunk. Jobs not ours are left out; a job whose account's bucket is empty is
    "throttled" and goes back with its wait."""
    lease_until = now + conf.lease()
    with transaction.atomic():
        PublishJob.objects.filter(
            pk__in=job_ids, state=State.QUEUED, next_try_at__lte=now
        ).update(state=State.PUBLISHING, lease_owner=worker, lease_until=lease_until,
                 attempts=F("attempts") + 1, updated_at=now,
                 submit_started_at=Coalesce(F("submit_started_at"), Value(now)))  # fmt: skip
        won = PublishJob.objects.select_related("account", "platform", "variant").filter(
            pk__in=job_ids, state=State.PUBLISHING, lease_owner=worker, lease_until=lease_until
        )
        jobs = sorted(won, key=lambda j: job_ids.index(j.pk))
        if not jobs:
            return {}
        per_minute = conf.rate_per_minute()
        waits = take_tokens([f"account:{j.account_id}" for j in jobs], per_minute=per_minute,
                            burst=max(1.0, per_minute), now=now)  # fmt: skip
        out: dict[int, PublishJob | str] = {}
        for job, wait in zip(jobs, waits, strict=True):
            if wait > 0:
                PublishJob.objects.filter(pk=job.pk).update(
                    state=State.QUEUED, next_try_at=now + dt.timedelta(seconds=wait),
                    lease_owner="", lease_until=None, dispatched_at=None,
                    attempts=F("attempts") - 1,
                )  # fmt: skip
                out[job.pk] = "throttled"
                continue
            # An earlier try (this job's or a retried job's) may have posted: ask first.
            job.reconcile = bool(  # type: ignore[attr-defined]
                job.publish_id or (job.submit_started_at and job.submit_started_at < now)
            )
            out[job.pk] = job
        Attempt.objects.bulk_create(
            Attempt(job=j, number=j.attempts, worker=worker, started_at=now)
            for j in out.values() if isinstance(j, PublishJob)
        )  # fmt: skip
    return out


class Progress:
    """Stores platform ids the moment they are known; fences the submitting call."""

    def __init__(self, job: PublishJob, worker: str) -> None:
        self.job, self.worker = job, worker

    def _mine(self) -> Any:
        return PublishJob.objects.filter(pk=self.job.pk, state=State.PUBLISHING,
                                         lease_owner=self.worker)  # fmt: skip

    def save(self, **ids: str) -> None:
        if not self._mine().update(**ids, updated_at=timezone.now()):
            raise LeaseLost
        for name, value in ids.items():
            setattr(self.job, name, value)

    def before_submit(self) -> None:
        now = timezone.now()
        # With more lease left than the submitting call can take (three HTTP timeouts), nobody
        # else can hold the job (the sweeper only takes expired leases, a claim needs a queued
        # job): no write needed. Connectors fetch tokens before this fence, not after it.
        until = self.job.lease_until
        margin = dt.timedelta(seconds=3 * timeout())
        if self.job.submit_started_at and until and until - now > margin:
            return
        started = self.job.submit_started_at or now
        fresh = self._mine().filter(lease_until__gt=now)
        if not fresh.update(submit_started_at=started, lease_until=now + conf.lease()):
            raise LeaseLost
        self.job.submit_started_at = started


# --- rate limits -------------------------------------------------------------------------------


def take_token(key: str, *, per_minute: float, burst: float, now: dt.datetime) -> float:
    """Take one token from the shared bucket; returns 0, or the seconds to wait for one."""
    return take_tokens([key], per_minute=per_minute, burst=burst, now=now)[0]


def take_tokens(
    keys: list[str], *, per_minute: float, burst: float, now: dt.datetime
) -> list[float]:
    """One token per key, in order, from the shared buckets (rows locked); for each key 0, or
    the seconds to wait for a token."""
    rate = per_minute / 60.0
    with transaction.atomic(savepoint=False):
        buckets = {b.key: b for b in RateBucket.objects.select_for_update().filter(key__in=keys)}
        for key in set(keys) - buckets.keys():
            buckets[key], _ = RateBucket.objects.get_or_create(
                key=key, defaults={"tokens": burst, "updated_at": now}
            )
        for bucket in buckets.values():
            elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
            bucket.tokens = min(burst, bucket.tokens + elapsed * rate)
            bucket.updated_at = now
        waits = []
        for key in keys:
            bucket = buckets[key]
            if bucket.tokens < 1:
                waits.append((1 - bucket.tokens) / rate)
            else:
                bucket.tokens -= 1
                waits.append(0.0)
        RateBucket.objects.bulk_update(list(buckets.values()), ["tokens", "updated_at"])
    return waits


# --- running a job -----------------------------------------------------------------------------


def run_job(job_id: int, *, worker: str | None = None, now: dt.datetime | None = None) -> str:
    """Claim and run one job; returns what happened."""
    return run_jobs([job_id], worker=worker, now=now)[0]


def run_jobs(
    job_ids: list[int], *, worker: str | None = None, now: dt.datetime | None = None
) -> list[str]:
    """Claim a chunk of jobs at once and run those won, in order; what happened to each."""
    worker = worker or worker_id()
    claimed = claim(job_ids, worker, now or timezone.now())
    checked = guard.Checks([j for j in claimed.values() if isinstance(j, PublishJob)])
    out = []
    for pk in job_ids:
        job = claimed.get(pk)
        if not isinstance(job, PublishJob):
            out.append(job or "skipped")
            continue
        try:
            out.append(_run(job, worker, checked))
        except LeaseLost:
            out.append("lease_lost")
    return out


def _run(job: PublishJob, worker: str, checked: guard.Checks | None = None) -> str:
    problem = checked.problem(job) if checked else guard.check(job)
    if problem:
        return guard.refuse(job, problem, worker)
    connector = connector_for(job.platform.code)
    conn = Connection.objects.filter(account_id=job.account_id).first()
    if connector is None or conn is None:
        return _to_package(job, worker)
    if conn.status != ConnectionStatus.CONNECTED:
        return fail(job, PlatformError("reauth", "账号授权已失效，请重新授权", reauth=True), worker)
    job.account.connection = conn
    try:
        if getattr(job, "reconcile", True):
            found = connector.find(job)
            if found is not None:
                return record(job, found, worker, how="reconciled")
        posted = connector.publish(job, Progress(job, worker))
    except PlatformError as exc:
        return fail_or_retry(job, exc, worker)
    except LeaseLost:
        raise
    except Exception as exc:  # a bug must not leave the job 发布中: retry later, log the trace
        log.exception("publish job %s crashed", job.pk)
        return fail_or_retry(job, PlatformError("internal", f"内部错误：{type(exc).__name__}",
                                                transient=True), worker)  # fmt: skip
    return record(job, posted, worker)


def _finish_attempt(job: PublishJob, outcome: str, exc: PlatformError | None = None) -> None:
    Attempt.objects.filter(job=job, number=job.attempts, finished_at__isnull=True).update(
        finished_at=timezone.now(), outcome=outcome,
        error_code=exc.code if exc else "", error_message=exc.message[:500] if exc else "",
        raw=exc.raw if exc else "",
    )  # fmt: skip


def _to_package(job: PublishJob, worker: str) -> str:
    from mediadesk.publishing import services

    with transaction.atomic():
        won = PublishJob.objects.filter(pk=job.pk, state=State.PUBLISHING, lease_owner=worker).update(
            state=State.MANUAL, lease_owner="", lease_until=None,
            error_message=services.NO_CONNECTION_MESSAGE,
        )  # fmt: skip
        if not won:
            raise LeaseLost
        _finish_attempt(job, "package")
        audit.record(actor=None, action="publishing.package", target=job,
                     changes={"state": [str(State.PUBLISHING.label), str(State.MANUAL.label)]})  # fmt: skip
    return "package"


def fail_or_retry(job: PublishJob, exc: PlatformError, worker: str) -> str:
    if exc.reauth:
        Connection.objects.filter(account_id=job.account_id).update(
            status=ConnectionStatus.EXPIRED, last_error=exc.message[:300]
        )
    if not exc.transient or job.attempts >= conf.max_attempts():
        return fail(job, exc, worker)
    at = timezone.now() + rules.backoff(job.attempts, base=conf.backoff_base())
    with transaction.atomic():
        won = PublishJob.objects.filter(pk=job.pk, state=State.PUBLISHING, lease_owner=worker).update(
            state=State.QUEUED, next_try_at=at, lease_owner="", lease_until=None,
            dispatched_at=None, error_code=exc.code, error_message=exc.message[:500],
            raw_response=exc.raw,
        )  # fmt: skip
        if not won:
            raise LeaseLost
        _finish_attempt(job, "retry", exc)
    return "retry"


def fail(job: PublishJob, exc: PlatformError, worker: str | None) -> str:
    """Mark the job 失败 with the platform's code and a message saying what to do; notify."""
    from mediadesk.publishing import services

    message = exc.message
    if exc.reauth:  # say what to do, and where: the account's connect page
        message = services.reauth_message(job, message)
    with transaction.atomic():
        rows = PublishJob.objects.filter(pk=job.pk, state=State.PUBLISHING)
        if worker is not None:
            rows = rows.filter(lease_owner=worker)
        if not rows.update(state=State.FAILED, lease_owner="", lease_until=None,
                           error_code=exc.code, error_message=message[:500], raw_response=exc.raw):  # fmt: skip
            raise LeaseLost
        job.state, job.error_code, job.error_message = State.FAILED, exc.code, message[:500]
        _finish_attempt(job, "failed", exc)
        audit.record(actor=None, action="publishing.failed", target=job,
                     changes={"error_code": [None, exc.code], "error_message": [None, message]})  # fmt: skip
        services.notify_failure(job)
    return "failed"


def record(job: PublishJob, posted: Posted, worker: str | None, *, how: str = "submitted") -> str:
    """Store what the platform said: published (with URL) or submitted (poll later)."""
    now = timezone.now()
    ids = {k: v for k, v in posted.ids.items() if k in ("media_id", "publish_id", "external_id")}
    with transaction.atomic():
        rows = PublishJob.objects.filter(pk=job.pk, state__in=[State.PUBLISHING, State.SUBMITTED])
        if worker is not None:
            rows = rows.filter(Q(lease_owner=worker) | Q(state=State.SUBMITTED))
        values: dict[str, Any] = {**ids, "lease_owner": "", "lease_until": None,
                                  "submitted_at": job.submitted_at or now, "error_code": "",
                                  "error_message": ""}  # fmt: skip
        if posted.published:
            values.update(state=State.PUBLISHED, url=posted.url,
                          published_at=posted.published_at or now)  # fmt: skip
        else:
            values.update(state=State.SUBMITTED, next_try_at=now + conf.poll_every())
        if not rows.update(**values):
            raise LeaseLost
        for name, value in values.items():
            setattr(job, name, value)
        _finish_attempt(job, how)
        if posted.published:
            _published(job)
    if not posted.published:
        from mediadesk.publishing.tasks import poll_job

        # Behind the posts still due: getting posts out on time comes before learning their URL.
        later = poll_job.using(run_after=job.next_try_at, priority=POLL_PRIORITY)
        transaction.on_commit(lambda: later.enqueue(job.pk),
                              robust=True)  # fmt: skip
    return "published" if posted.published else "submitted"


def _published(job: PublishJob) -> None:
    """The variant becomes a post: URL, time, platform id; the 1-hour check and metric pulls."""
    from mediadesk.review.services import _settle_item

    variant = (
        Variant.objects.select_for_update(of=("self",))
        .select_related("item", "platform")
        .get(pk=job.variant_id)
    )
    before = variant.get_status_display()
    Variant.objects.filter(pk=variant.pk).update(
        status=Status.PUBLISHED, published_url=job.url, published_at=job.published_at,
        external_id=job.external_id[:120], updated_at=timezone.now(),
    )  # fmt: skip
    audit.record(actor=None, action="publishing.published", target=variant,
                 changes={"status": [before, Status.PUBLISHED.label], "published_url": [None, job.url]})  # fmt: skip
    assert job.published_at is not None
    PostCheck.objects.bulk_create([PostCheck(
        job=job, variant_id=variant.pk, organisation_id=job.organisation_id,
        company_id=job.company_id, project_id=job.project_id,
        due_at=job.published_at + conf.CHECK_AFTER,
        published_ok=True, link_ok=bool(job.url), media_ok=bool(job.external_id),
        prefilled=["published_ok", *(["link_ok"] if job.url else []),
                   *(["media_ok"] if job.external_id else [])],
    )], ignore_conflicts=True)  # fmt: skip
    MetricPull.objects.bulk_create(
        [MetricPull(job=job, hours=h, due_at=job.published_at + dt.timedelta(hours=h))
         for h in conf.PULL_HOURS], ignore_conflicts=True,
    )  # fmt: skip
    _settle_item(variant.item, by=None)


# --- polling and the sweeper -------------------------------------------------------------------


def poll(job_id: int) -> str:
    """Ask the platform about a submitted job (WeChat publishes asynchronously)."""
    job = PublishJob.objects.select_related("account", "platform").filter(
        pk=job_id, state=State.SUBMITTED).first()  # fmt: skip
    connector = connector_for(job.platform.code) if job else None
    if job is None or connector is None:
        return "skipped"
    job.account.connection = Connection.objects.get(account_id=job.account_id)
    try:
        posted = connector.status(job)
    except PlatformError as exc:
        if exc.transient:
            _repoll(job)
            return "retry"
        PublishJob.objects.filter(pk=job.pk, state=State.SUBMITTED).update(state=State.PUBLISHING)
        job.state = State.PUBLISHING
        return fail(job, exc, None)
    if posted is None or not posted.published:
        _repoll(job)
        return "pending"
    try:
        return record(job, posted, None, how="polled")
    except LeaseLost:
        return "skipped"


def _repoll(job: PublishJob) -> None:
    PublishJob.objects.filter(pk=job.pk, state=State.SUBMITTED).update(
        next_try_at=timezone.now() + conf.poll_every()
    )


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Reconcile jobs whose lease ran out (their worker died) and poll overdue submissions."""
    now = now or timezone.now()
    counts = {"reconciled": 0, "requeued": 0, "polled": 0}
    expired = PublishJob.objects.filter(state=State.PUBLISHING, lease_until__lt=now)
    for job in expired.select_related("account", "platform"):
        counts[_reconcile(job, now)] += 1
    waiting = PublishJob.objects.filter(state=State.SUBMITTED, next_try_at__lte=now)
    for job_id in waiting.values_list("pk", flat=True)[:1000]:
        poll(job_id)
        counts["polled"] += 1
    return counts


def _reconcile(job: PublishJob, now: dt.datetime) -> str:
    """Ask the platform whether the dead worker's post went out; record it or requeue."""
    owner = job.lease_owner
    won = PublishJob.objects.filter(pk=job.pk, state=State.PUBLISHING, lease_owner=owner,
                                    lease_until__lt=now).update(lease_owner="sweeper",
                                                                lease_until=now + conf.lease())  # fmt: skip
    if not won:
        return "requeued"
    _finish_attempt(job, "lease_expired")
    connector = connector_for(job.platform.code)
    conn = Connection.objects.filter(account_id=job.account_id).first()
    found = None
    if connector is not None and conn is not None and (job.submit_started_at or job.publish_id):
        job.account.connection = conn
        try:
            found = connector.find(job)
        except PlatformError:
            found = None  # the next try reconciles again before it posts
    if found is not None:
        try:
            record(job, found, "sweeper", how="reconciled")
            return "reconciled"
        except LeaseLost:
            return "requeued"
    PublishJob.objects.filter(pk=job.pk, lease_owner="sweeper").update(
        state=State.QUEUED, next_try_at=now, lease_owner="", lease_until=None, dispatched_at=None
    )
    return "requeued"
