"""Publishing benchmark (06-publishing.md "Speed and reliability"): approved variants all due in
the same minute on 200 accounts (公众号, 微博, 抖音), 4 real worker processes (`mediadesk worker`)
posting to the fake platform servers of tests/fakes/platforms.py.

Phase 1 prints throughput (posts/s), p95 delay from due time to submission and the number of
posts found twice on the fakes. Phase 2 does it again while `kill -9` hits a random worker 50
times (each is restarted), then runs one sweeper pass (publishing's sweeper and the recovery of
dead workers' tasks), gives the workers three minutes, and prints posted-twice and stuck counts
(stuck: neither 已发布 nor 失败 by then).

Sizes: 2,000 variants per phase at BENCH_SCALE=1 (a few minutes on the 2-core machine);
BENCH_SCALE=5 is the issue's 10,000.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

WORKERS = 4
ACCOUNTS = 200
KILLS = 50
DEAD_AFTER = 10  # the workers beat every second (--tick 1)
LOG = Path(__file__).resolve().parents[1] / "var" / "bench" / "publishing-workers.log"
CODES = ("wechat_mp", "weibo", "douyin")


def _world() -> dict[str, Any]:
    from mediadesk.orgs.models import Company, Organisation, Project, RoleGrant, User
    from mediadesk.orgs.roles import Role

    org = Organisation.objects.create(name="发布基准集团", brand_keyword="锦程")
    company = Company.objects.create(organisation=org, name="西安公司")
    project = Project.objects.create(organisation=org, company=company, name="曲江府")
    user = User.objects.create(username=f"bench-pub-{uuid.uuid4().hex[:6]}", organisation=org)
    RoleGrant.objects.create(user=user, role=Role.ADMIN, organisation=org)
    return {"org": org, "company": company, "project": project, "user": user}


def _accounts(w: dict[str, Any], fakes: Any) -> list[Any]:
    from mediadesk.core import crypto
    from mediadesk.matrix.models import Account, Platform
    from mediadesk.publishing.models import Connection

    platforms = {p.code: p for p in Platform.objects.filter(code__in=CODES)}
    accounts = Account.objects.bulk_create(
        Account(organisation=w["org"], company=w["company"], project=w["project"], level=2,
                platform=platforms[CODES[i % 3]], name=f"基准账号{i}")
        for i in range(ACCOUNTS)
    )  # fmt: skip
    conns = []
    for acc in accounts:
        code = CODES[accounts.index(acc) % 3]
        if code == "wechat_mp":
            appid, secret = fakes.wechat.add_app()
            values = {"app_id": appid, "secret_sealed": crypto.seal(secret)}
        elif code == "weibo":
            uid, token = fakes.weibo.add_user()
            values = {"app_id": uid, "secret_sealed": crypto.seal(token)}
        else:
            open_id, token, refresh = fakes.douyin.add_user()
            values = {"app_id": open_id, "secret_sealed": crypto.seal(token),
                      "refresh_sealed": crypto.seal(refresh),
                      "expires_at": timezone.now() + dt.timedelta(days=10)}  # fmt: skip
        conns.append(Connection(account=acc, organisation=w["org"], company=w["company"],
                                project=w["project"], **values))  # fmt: skip
    Connection.objects.bulk_create(conns)
    for acc in accounts:
        acc.platform = platforms[acc.platform.code]
    return accounts


def _asset(w: dict[str, Any], kind: str, data: bytes) -> Any:
    import hashlib

    from mediadesk.content.models import Asset

    asset = Asset(organisation=w["org"], kind=kind, title=kind, size=len(data),
                  content_hash=hashlib.sha256(data + uuid.uuid4().bytes).hexdigest(),
                  uploaded_by=w["user"], licence_type="own")  # fmt: skip
    asset.file.save(f"bench-{kind}.bin", ContentFile(data), save=False)
    asset.save()
    return asset


def build(w: dict[str, Any], accounts: list[Any], n: int, due: dt.datetime, tag: str) -> list[int]:
    """n approved variants (one per item) with their approved revision and a queued job each,
    due at random seconds of the minute starting at `due`."""
    from mediadesk.content.models import ContentItem, Status, Variant
    from mediadesk.core import audit
    from mediadesk.publishing import guard
    from mediadesk.publishing.models import PublishJob, State
    from mediadesk.review.models import ReviewRun, Revision
    from mediadesk.review.queries import VARIANT_FIELDS
    from mediadesk.review.services import default_workflow

    rng = random.Random(7)
    cover, video = _asset(w, "image", b"\xff\xd8bench-cover"), _asset(w, "video", b"\0" * 4096)
    workflow, now = default_workflow(w["org"]), timezone.now()
    items = ContentItem.objects.bulk_create(
        ContentItem(organisation=w["org"], company=w["company"], project=w["project"],
                    title=f"{tag}内容{i}", owner=w["user"], created_by=w["user"], form="article",
                    status=Status.APPROVED) for i in range(n)
    )  # fmt: skip
    variants = []
    for i, item in enumerate(items):
        acc = accounts[i % len(accounts)]
        code = acc.platform.code
        variants.append(Variant(
            item=item, organisation=w["org"], company=w["company"], project=w["project"],
            owner=w["user"], account=acc, platform=acc.platform, title=f"{tag}标题{i}"[:30],
            body=f"{tag}正文{i} https://jincheng.example.com/p/{i}", status=Status.SCHEDULED,
            cover=cover if code == "wechat_mp" else None,
        ))  # fmt: skip
    Variant.objects.bulk_create(variants)
    through = ContentItem.assets.through
    through.objects.bulk_create(
        through(contentitem_id=v.item_id, asset_id=video.pk)
        for v in variants if v.platform.code == "douyin"
    )  # fmt: skip
    revisions = []
    for v in variants:
        assets = [{"id": video.pk, "title": video.title}] if v.platform.code == "douyin" else []
        entry = {"id": v.pk, "cover_id": v.cover_id, "fields": audit.snapshot(v, VARIANT_FIELDS)}
        revisions.append(Revision(item_id=v.item_id, number=1, created_by=w["user"], created_at=now,
                                  snapshot={"variants": [entry], "assets": assets}))  # fmt: skip
    Revision.objects.bulk_create(revisions)
    ReviewRun.objects.bulk_create(
        ReviewRun(item_id=r.item_id, organisation=w["org"], company=w["company"],
                  project=w["project"], revision=r, workflow=workflow, status="approved",
                  submitted_by=w["user"], started_at=now, finished_at=now) for r in revisions
    )  # fmt: skip
    jobs = []
    for v, r in zip(variants, revisions, strict=True):
        at = due + dt.timedelta(seconds=rng.uniform(0, 59))
        jobs.append(PublishJob(
            variant=v, account_id=v.account_id, platform_id=v.platform_id, organisation=w["org"],
            company=w["company"], project=w["project"], state=State.QUEUED,
            idempotency_key=uuid.uuid4().hex, revision_number=1, payload=guard.payload(v, r),
            scheduled_at=at, next_try_at=at, created_by=w["user"],
        ))  # fmt: skip
    return [j.pk for j in PublishJob.objects.bulk_create(jobs, batch_size=500)]


class Workers:
    """Four `mediadesk worker` processes against the bench database and the fakes."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env, self.kills = env, 0
        self.procs = [self._start() for _ in range(WORKERS)]

    def _start(self) -> subprocess.Popen[bytes]:
        cmd = [sys.executable, "-m", "mediadesk.cli", "worker", "--interval", "0.05", "--tick", "1"]
        return subprocess.Popen(cmd, env=self.env, stdout=subprocess.DEVNULL,
                                stderr=open(LOG, "ab"))  # fmt: skip

    def kill_one(self, rng: random.Random) -> None:
        i = rng.randrange(len(self.procs))
        self.procs[i].send_signal(signal.SIGKILL)
        self.procs[i].wait()
        self.procs[i] = self._start()
        self.kills += 1

    def cpu_seconds(self) -> float:
        """User + system CPU of the running workers so far (Linux /proc)."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for p in self.procs:
            try:
                fields = Path(f"/proc/{p.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def stop(self) -> None:
        for p in self.procs:
            p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def _env(fakes: Any, lease: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(WECHAT_API_BASE=fakes.wechat.base, WEIBO_API_BASE=fakes.weibo.base,
               DOUYIN_API_BASE=fakes.douyin.base, WEIBO_SAFE_DOMAIN=fakes.weibo.safe_domain,
               PUBLISHING_RATE_PER_MINUTE="600", PUBLISHING_LEASE_SECONDS=str(lease),
               PUBLISHING_BACKOFF_SECONDS="1", PUBLISHING_HTTP_TIMEOUT="5",
               WORKER_DEAD_AFTER_SECONDS=str(DEAD_AFTER),
               no_proxy="127.0.0.1,localhost", NO_PROXY="127.0.0.1,localhost",
               PYTHONPATH=str(Path(__file__).resolve().parents[1]))  # fmt: skip
    return env


def _wait(ids: list[int], *, until: float, done_states: tuple[str, ...]) -> None:
    from mediadesk.publishing.models import PublishJob

    while time.time() < until:
        left = PublishJob.objects.filter(pk__in=ids).exclude(state__in=done_states).count()
        if left == 0:
            return
        time.sleep(1)


def twice(fakes: Any) -> int:
    """Posts that exist more than once on the fakes (same account, same copy)."""
    keys = Counter((p.account, p.title or p.text) for f in (fakes.wechat, fakes.weibo, fakes.douyin)
                   for p in f.posts)  # fmt: skip
    return sum(c - 1 for c in keys.values() if c > 1)


def _delays(ids: list[int]) -> tuple[list[float], dt.datetime | None, dt.datetime | None]:
    from mediadesk.publishing.models import PublishJob

    rows = list(PublishJob.objects.filter(pk__in=ids, submitted_at__isnull=False)
                .values_list("scheduled_at", "submitted_at"))  # fmt: skip
    delays = sorted(max(0.0, (s - d).total_seconds()) for d, s in rows)
    first = min((d for d, _ in rows), default=None)
    last = max((s for _, s in rows), default=None)
    return delays, first, last


def _cut(ids: list[int]) -> str:
    """What the kills interrupted: posts mid-flight, and tasks another worker took over."""
    from django_tasks_db.models import DBTaskResult

    from mediadesk.publishing.models import Attempt

    outcomes = Counter(Attempt.objects.filter(job_id__in=ids).values_list("outcome", flat=True))
    retaken = sum(len(w) > 1 for w in DBTaskResult.objects.values_list("worker_ids", flat=True))
    return (f"{outcomes['lease_expired']} claimed posts mid-flight (their lease ran out; each is "
            f"asked for on its platform before it is posted) and {retaken} tasks given back to "
            f"the queue")  # fmt: skip


def phase(w: dict[str, Any], accounts: list[Any], fakes: Any, n: int, *, kills: int) -> None:
    from mediadesk.core import workers as workers_mod
    from mediadesk.publishing import engine
    from mediadesk.publishing.models import PublishJob, State

    lease = 30
    due = timezone.now() + dt.timedelta(seconds=20)
    start = time.perf_counter()
    ids = build(w, accounts, n, due, "K" if kills else "A")
    print(f"  built {n:,} approved variants and jobs in {time.perf_counter() - start:.0f} s")
    workers = Workers(_env(fakes, lease))
    rng = random.Random(11)
    bench_cpu = time.process_time()
    try:
        if kills:
            time.sleep(max(0.0, (due - timezone.now()).total_seconds()))
            for _ in range(kills):
                time.sleep(rng.uniform(0.2, 1.4))
                workers.kill_one(rng)
        _wait(
            ids,
            until=time.time() + 60 + n / 5,
            done_states=(State.SUBMITTED, State.PUBLISHED, State.FAILED, State.PUBLISHING),
        )
        if kills:
            # One sweeper pass once the leases of the killed workers' jobs ran out and their
            # heartbeats went stale: reconcile with the platforms, give back their tasks. Then
            # the workers get a bounded time to finish; whatever is not 已发布/失败 then is stuck.
            time.sleep(lease + 1)
            swept = engine.sweep()
            recovered = workers_mod.recover()
            print(f"  one sweeper pass: {swept}; tasks of dead workers: {recovered}")
            _wait(ids, until=time.time() + 180, done_states=(State.PUBLISHED, State.FAILED))
            stuck = (
                PublishJob.objects.filter(pk__in=ids)
                .exclude(state__in=(State.PUBLISHED, State.FAILED))
                .count()
            )
        cpu = workers.cpu_seconds(), time.process_time() - bench_cpu
    finally:
        workers.stop()
    delays, first, last = _delays(ids)
    states = Counter(PublishJob.objects.filter(pk__in=ids).values_list("state", flat=True))
    print(f"  states: {dict(states)}")
    if kills:
        print(f"  the kills cut {_cut(ids)}")
        print(f"  {workers.kills} kill -9 of random workers: posted twice {twice(fakes)} "
              f"{'✓' if twice(fakes) == 0 else '✗ MUST BE 0'}; stuck after one sweeper pass {stuck} "
              f"{'✓' if stuck == 0 else '✗ MUST BE 0'}")  # fmt: skip
        return
    p95 = delays[min(len(delays) - 1, round(0.95 * (len(delays) - 1)))] if delays else float("nan")
    span = (last - first).total_seconds() if first and last else float("nan")
    print(f"  {len(delays):,} of {n:,} submitted on {ACCOUNTS} accounts by {WORKERS} workers: "
          f"throughput {len(delays) / max(span, 1e-9):.1f} posts/s over {span:.0f} s")  # fmt: skip
    print(f"  p95 delay due → submission {p95:.1f} s "
          f"{'✓ within' if p95 < 60 else '✗ OVER'} budget 60 s; median {delays[len(delays) // 2]:.1f} s")  # fmt: skip
    print(f"  posted twice: {twice(fakes)} {'✓' if twice(fakes) == 0 else '✗ MUST BE 0'}")
    print(f"  CPU per post: workers {cpu[0] / n * 1000:.1f} ms, fake platforms and this process "
          f"{cpu[1] / n * 1000:.1f} ms (load average {os.getloadavg()[0]:.1f})")  # fmt: skip


def run(scale: float = 1.0) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from django.conf import settings

    from tests.fakes.platforms import FakeDouyin, FakeWechat, FakeWeibo, Platforms

    settings.WORKER_DEAD_AFTER_SECONDS = DEAD_AFTER  # as the workers' environment says
    n = max(ACCOUNTS, int(2000 * scale))
    fakes = Platforms(FakeWechat().start(), FakeWeibo().start(), FakeDouyin().start())
    try:
        print(
            f"publishing: {n:,} variants due in one minute, {ACCOUNTS} accounts, {WORKERS} workers"
        )
        w = _world()
        accounts = _accounts(w, fakes)
        phase(w, accounts, fakes, n, kills=0)
        print(f"publishing with {KILLS} random kill -9: {n:,} more variants due in one minute")
        phase(w, accounts, fakes, n, kills=KILLS)
    finally:
        for f in (fakes.wechat, fakes.weibo, fakes.douyin):
            f.stop()
