"""API of the analytics app: bulk snapshot and account daily ingestion (and, added by the
dashboards, the monitoring table). Handlers stay thin: the rules live in services.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from mediadesk.analytics import daily, queries, services
from mediadesk.analytics.filters import ABTestFilters, BenchmarkFilters, ImportBatchFilters
from mediadesk.analytics.models import ABTest, BenchmarkAccount, ImportBatch, ImportKind
from mediadesk.analytics.schemas import AccountDailyIn, DailyOut, IngestOut, SnapshotsIn
from mediadesk.analytics.schemas_dash import MonitoringIn, MonitoringOut
from mediadesk.core.api_support import READ_ERRORS, listed, who
from mediadesk.core.errors import PermissionDenied, ValidationError
from mediadesk.core.schemas import ErrorOut, Page, PageIn, caller
from mediadesk.matrix.models import Platform

router = Router(tags=[_("数据分析")])

ERRORS = {400: ErrorOut, 403: ErrorOut, 422: ErrorOut}


def _default_account(user: Any, platform: Platform, account_id: int | None) -> Any:
    if account_id is None:
        return None
    for account in services.importable_accounts(user, user.organisation, platform):
        if account.pk == account_id:
            return account
    raise ValidationError({"account": gettext("账号不存在、不属于该平台，或没有该账号的导入权限")})


def _platform(code: str) -> Platform:
    platform = Platform.objects.filter(code=code, is_active=True).first()
    if platform is None:
        raise ValidationError({"platform": gettext("未知的平台代码")})
    return platform


def _rows(payload: SnapshotsIn) -> list[services.RawRow]:
    rows = []
    for index, item in enumerate(payload.items):
        values = item.model_dump(exclude_none=True, exclude={"extra"})
        rows.append(services.RawRow(index, values, dict(item.extra)))
    return rows


def _raise_errors(report: services.Report) -> None:
    errors: dict[str, list[str]] = {}
    for index, column, message in report.errors:
        key = f"items.{index}" + ("" if column == "—" else f".{column}")
        errors.setdefault(key, []).append(message)
    for index, post, label in report.fuzzy:
        if index in report.skipped:
            errors.setdefault(f"items.{index}", []).append(
                gettext(
                    "按标题模糊匹配到发布 #%(post)s %(label)s：请传 variant，或设置 accept_fuzzy=true"
                )
                % {"post": post, "label": label}
            )
    if errors:
        raise ValidationError(errors)


@router.post(
    "/metrics/snapshots",
    response={200: IngestOut, **ERRORS},
    summary=_("批量写入数据快照（全部通过校验才写入）"),
)
def ingest_snapshots(request: HttpRequest, payload: SnapshotsIn) -> Any:
    user = caller(request)
    services.require_import(user)
    if user.organisation is None:
        raise PermissionDenied(gettext("用户不属于任何组织"))
    platform = _platform(payload.platform)
    batch = services.start_batch(
        by=user, platform=platform, account=_default_account(user, platform, payload.account),
        source=services.Source.API, total_rows=len(payload.items), persist=False,
    )  # fmt: skip
    ctx = services.Context(user=user, batch=batch, accept_fuzzy=payload.accept_fuzzy)
    report = services.validate(_rows(payload), ctx)
    _raise_errors(report)
    batch.save()
    services.write(report, ctx)
    fuzzy = [{"item": i, "variant": v, "label": label} for i, v, label in report.fuzzy]
    return {"batch": batch.pk, "total": report.total, "created": report.created,
            "updated": report.updated, "unchanged": report.unchanged,
            "unplanned": report.unplanned, "fuzzy": fuzzy}  # fmt: skip


@router.post(
    "/metrics/account-daily",
    response={200: DailyOut, **ERRORS},
    summary=_("批量写入账号日数据（粉丝、新关注、取消关注、分渠道阅读；按 账号+日期 幂等）"),
)
def ingest_account_daily(request: HttpRequest, payload: AccountDailyIn) -> Any:
    user = caller(request)
    services.require_import(user)
    if user.organisation is None:
        raise PermissionDenied(gettext("用户不属于任何组织"))
    platform = _platform(payload.platform)
    batch = services.start_batch(
        by=user, platform=platform, account=_default_account(user, platform, payload.account),
        source=services.Source.API, total_rows=len(payload.items), persist=False,
        kind=ImportKind.ACCOUNT_DAILY,
    )  # fmt: skip
    ctx = services.Context(user=user, batch=batch)
    rows = [
        services.RawRow(i, item.model_dump(exclude_none=True))
        for i, item in enumerate(payload.items)
    ]
    report = daily.validate(ImportKind.ACCOUNT_DAILY, rows, ctx)
    _raise_errors(report)
    batch.save()
    daily.write(ImportKind.ACCOUNT_DAILY, report, ctx)
    return {"batch": batch.pk, "total": report.total, "created": report.created,
            "updated": report.updated, "unchanged": report.unchanged}  # fmt: skip


@router.get(
    "/analytics/monitoring",
    response={200: MonitoringOut, **ERRORS},
    summary=_("数据监测与分析表（模板3）的行"),
)
def monitoring(request: HttpRequest, params: Query[MonitoringIn]) -> Any:
    from mediadesk.analytics import queries

    user = caller(request)
    f = params.filters()
    qs = queries.ordered(queries.posts(user, f))
    rows = queries.monitoring_rows(f, qs[params.offset : params.offset + params.limit])
    return {"items": [r.as_json() for r in rows], "count": qs.count()}


# --- lists of the analytics pages (the pages' FilterSets) ---------------------------------------


class ImportBatchOut(Schema):
    id: int
    filename: str
    kind: str
    platform: str
    status: str
    progress: int
    total_rows: int
    created: int
    updated: int
    rejected: int
    message: str
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_platform(obj: ImportBatch) -> str:
        return obj.platform.code


class ArmOut(Schema):
    label: str
    exposures: int
    successes: int


class ABTestOut(Schema):
    id: int
    name: str
    hypothesis: str
    kind: str
    metric: str
    account: int | None
    min_exposures: int
    min_successes: int
    arms: list[ArmOut]
    created_at: dt.datetime

    @staticmethod
    def resolve_account(obj: ABTest) -> int | None:
        return obj.account_id

    @staticmethod
    def resolve_arms(obj: ABTest) -> list[Any]:
        return list(obj.arms.all())


class BenchmarkOut(Schema):
    id: int
    name: str
    owner_name: str
    platform: str

    @staticmethod
    def resolve_platform(obj: BenchmarkAccount) -> str:
        return obj.platform.code


@router.get(
    "/analytics/imports",
    response={200: Page[ImportBatchOut], **READ_ERRORS},
    summary=_("我的数据导入（状态与进度）"),
    description=who(_("数据导入（analytics.import）；只列本人的导入，与数据导入页相同")),
)
def list_imports(
    request: HttpRequest, filters: Query[ImportBatchFilters], page: Query[PageIn]
) -> Any:
    user = caller(request)
    services.require_import(user)
    qs = ImportBatch.objects.filter(created_by_id=user.pk).select_related("platform")
    return listed(qs, filters, page)


@router.get(
    "/analytics/abtests",
    response={200: Page[ABTestOut], **READ_ERRORS},
    summary=_("A/B测试"),
    description=who(_("数据查看（analytics.view）在记录的范围内")),
)
def list_abtests(request: HttpRequest, filters: Query[ABTestFilters], page: Query[PageIn]) -> Any:
    user = caller(request)
    queries.require_view(user)
    return listed(queries.visible_abtests(user).prefetch_related("arms"), filters, page)


@router.get(
    "/analytics/benchmarks",
    response={200: Page[BenchmarkOut], **READ_ERRORS},
    summary=_("竞品账号"),
    description=who(_("数据查看（analytics.view）在记录的范围内")),
)
def list_benchmarks(
    request: HttpRequest, filters: Query[BenchmarkFilters], page: Query[PageIn]
) -> Any:
    user = caller(request)
    queries.require_view(user)
    return listed(queries.visible_benchmarks(user).select_related("platform"), filters, page)
