"""Pages of publishing: the queue, a job's attempts, the publish package, the 1-hour checks and
account connections. Thin: rules live in services/queries."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from mediadesk.content import queries as content_queries
from mediadesk.content.models import Asset
from mediadesk.core import scopes
from mediadesk.core.errors import Conflict, ValidationError
from mediadesk.core.params import id_list, safe_next
from mediadesk.publishing import conf, oauth, perms, queries, services
from mediadesk.publishing.connectors.base import PlatformError
from mediadesk.publishing.filters import CheckFilters
from mediadesk.publishing.models import Connection, PublishJob, State


def _errors(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and hasattr(exc, "message_dict"):
        return "；".join(m for ms in exc.message_dict.values() for m in ms)
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc)


def queue(request: HttpRequest) -> HttpResponse:
    queries.require(request.user)
    qs = queries.filter_jobs(queries.visible_jobs(request.user), request.GET)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    overdue = set(queries.overdue_packages().values_list("pk", flat=True))
    return render(request, "publishing/queue.html", {
        "page": page, "states": State.choices, "overdue": overdue,
        "can_publish": scopes.has_perm(request.user, perms.PUBLISH)})  # fmt: skip


@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    queries.require(request.user, perms.PUBLISH)
    action, done, failed = request.POST.get("action"), 0, 0
    for pk in request.POST.getlist("job"):
        try:
            job = queries.access_job(request.user, pk, for_write=True)
            if action == "retry":
                services.retry_job(job, by=request.user)
            else:
                services.cancel_variant(job.variant, by=request.user)
            done += 1
        except (ValidationError, Conflict):
            failed += 1
    messages.info(request, _("已处理 %(d)s 条，%(f)s 条状态不符未处理") % {"d": done, "f": failed})
    return redirect("publishing:queue")


def job(request: HttpRequest, pk: int) -> HttpResponse:
    queries.require(request.user)
    item = queries.access_job(request.user, pk)
    history = item.variant.publish_jobs.prefetch_related("attempt_rows").order_by("-pk")
    return render(request, "publishing/job.html", {"job": item, "history": history,
                  "can_publish": scopes.allows(request.user, perms.PUBLISH, item, shared=True)})  # fmt: skip


def _act(request: HttpRequest, pk: int, fn: Any, ok: str) -> HttpResponse:
    job = queries.access_job(request.user, pk, for_write=True)
    try:
        fn(job, by=request.user)
        messages.success(request, ok)
    except (ValidationError, Conflict) as exc:
        messages.error(request, _errors(exc))
    return redirect("publishing:job", pk=pk)


@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.retry_job, _("已重新排入发布队列"))


@require_POST
def to_manual(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.manual_instead, _("已改为人工发布，请使用发布包"))


@require_POST
def withdrawn(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.confirm_withdrawn, _("已确认手动删除"))


def package(request: HttpRequest, pk: int) -> HttpResponse:
    queries.require(request.user)
    job = queries.access_job(request.user, pk)
    if request.method == "POST":
        try:
            when = (
                parse_datetime(request.POST.get("published_at", ""))
                if request.POST.get("published_at")
                else None
            )
            services.mark_manual(job.variant, by=request.user, url=request.POST.get("url", ""),
                                 published_at=when)  # fmt: skip
            messages.success(request, _("已标记为已发布"))
            return redirect("publishing:package", pk=pk)
        except (ValidationError, Conflict) as exc:
            messages.error(request, _errors(exc))
    overdue = job.state == State.MANUAL and job.scheduled_at < timezone.now() - conf.package_grace()
    assets = Asset.objects.filter(
        pk__in=[job.payload.get("cover_id"), *job.payload.get("asset_ids", [])]
    )
    return render(request, "publishing/package.html", {"job": job, "p": job.payload,
                  "overdue": overdue, "assets": assets})  # fmt: skip


def package_zip(request: HttpRequest, pk: int) -> HttpResponse:
    queries.require(request.user)
    job = queries.access_job(request.user, pk)
    ids = [job.payload.get("cover_id"), *job.payload.get("asset_ids", [])]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "文案.txt",
            f"{job.payload.get('title', '')}\n\n{job.payload.get('body', '')}\n\n{job.payload.get('tags', '')}",
        )
        for asset in Asset.objects.filter(pk__in=[i for i in ids if i]):
            with asset.file.open("rb") as fh:
                archive.writestr(
                    f"{asset.pk}-{(asset.file.name or '').rsplit('/', 1)[-1]}", fh.read()
                )
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="package-{job.pk}.zip"'
    return response


def _scheduled(request: HttpRequest, done: list[tuple[PublishJob, list[str]]]) -> None:
    """Say what scheduling did: a variant whose account has no connection became a publish
    package (said as a warning), then the quota/quiet-hours/similar-copy warnings."""
    packages = sum(1 for job, _w in done if job.state == State.MANUAL)
    if queued := len(done) - packages:
        messages.success(
            request, ngettext("已排期 %(n)s 条", "已排期 %(n)s 条", queued) % {"n": queued}
        )
    if packages:
        text = ngettext("%(n)s 条：%(m)s", "%(n)s 条：%(m)s", packages)
        messages.warning(request, text % {"n": packages, "m": _(services.NO_CONNECTION_MESSAGE)})
    for text in dict.fromkeys(w for _job, warnings in done for w in warnings):
        messages.warning(request, text)


@require_POST
def schedule(request: HttpRequest, pk: int) -> HttpResponse:
    queries.require(request.user, perms.PUBLISH)
    variant = content_queries.access_variant(request.user, pk)
    try:
        at, now = _at(request)
        job, warnings = services.schedule_variant(variant, by=request.user, at=at, now=now)
    except (ValidationError, Conflict) as exc:
        messages.error(request, _errors(exc))
        return redirect(safe_next(request, "publishing:queue"))
    _scheduled(request, [(job, warnings)])
    return redirect("publishing:job", pk=job.pk)


def item(request: HttpRequest, pk: int) -> HttpResponse:
    """The item's publish panel: each variant's state, schedule/reschedule/cancel, history."""
    queries.require(request.user)
    content_item = content_queries.access_item(request.user, pk)
    variants = list(content_item.variants.select_related("account", "platform").order_by("pk"))
    for v in variants:
        v.job = v.publish_jobs.order_by("-pk").first()  # type: ignore[attr-defined]
    return render(request, "publishing/item.html", {
        "item": content_item, "variants": variants,
        "can_publish": scopes.allows(request.user, perms.PUBLISH, content_item, shared=True)})  # fmt: skip


def _at(request: HttpRequest) -> tuple[dt.datetime | None, bool]:
    now = request.POST.get("now") == "1"
    raw = request.POST.get("at", "")
    at = parse_datetime(raw) if raw and not now else None
    if raw and not now and at is None:
        raise ValidationError({"at": _("时间格式不正确")})
    return at, now


@require_POST
def schedule_item(request: HttpRequest, pk: int) -> HttpResponse:
    """Schedule the whole item, or the variants ticked on its panel (all or nothing)."""
    queries.require(request.user, perms.PUBLISH)
    content_item = content_queries.access_item(request.user, pk)
    posted = request.POST.getlist("variant")
    chosen = id_list(posted)
    try:
        at, now = _at(request)
        if len(chosen) != len(posted):
            raise ValidationError({"variant": _("所选平台稿无效，请刷新页面后重新选择")})
        if chosen:
            variants = list(content_item.variants.filter(pk__in=chosen).order_by("pk"))
            if len(variants) != len(set(chosen)):
                raise ValidationError(
                    {"variant": _("所选平台稿不属于该内容，请刷新页面后重新选择")}
                )
            with transaction.atomic():  # all or nothing
                done = [services.schedule_variant(v, by=request.user, at=at, now=now)
                        for v in variants]  # fmt: skip
        else:
            done = services.schedule_item(content_item, by=request.user, at=at, now=now)
    except (ValidationError, Conflict) as exc:
        messages.error(request, _errors(exc))
    else:
        _scheduled(request, done)
    return redirect("publishing:item", pk=pk)


@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    queries.require(request.user, perms.PUBLISH)
    variant = content_queries.access_variant(request.user, pk)
    try:
        services.cancel_variant(variant, by=request.user)
        messages.success(request, _("已取消排期"))
    except (ValidationError, Conflict) as exc:
        messages.error(request, _errors(exc))
    return redirect("publishing:item", pk=variant.item_id)


def checks(request: HttpRequest) -> HttpResponse:
    queries.require(request.user)
    chosen = CheckFilters.from_query(request.GET)
    qs = chosen.sorted(queries.visible_checks(request.user))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "publishing/checks.html", {"page": page, "now": timezone.now()})


@require_POST
def check_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    queries.require(request.user, perms.PUBLISH)
    check = scopes.get_or_404(queries.visible_checks(request.user), pk)
    values: dict[str, Any] = {
        name: request.POST.get(name) == "on" for name in services.CHECK_FIELDS if name != "note"
    }
    values["note"] = request.POST.get("note", "")
    try:
        services.confirm_check(check, by=request.user, values=values)
        messages.success(request, _("检查已确认"))
    except Conflict as exc:
        messages.error(request, str(exc))
    return redirect("publishing:checks")


def connections(request: HttpRequest) -> HttpResponse:
    queries.require(request.user)
    accounts = list(queries.connectable_accounts(request.user))
    soon = timezone.now() + dt.timedelta(days=7)
    for account in accounts:
        conn = Connection.objects.filter(account=account).first()
        account.conn = conn  # type: ignore[attr-defined]
        account.expiring = bool(conn and conn.expires_at and conn.expires_at < soon)  # type: ignore[attr-defined]
    can_connect = scopes.has_perm(request.user, perms.CONNECT)
    return render(
        request, "publishing/connections.html", {"accounts": accounts, "can_connect": can_connect}
    )


def connect(request: HttpRequest, account_id: int) -> HttpResponse:
    queries.require(request.user, perms.CONNECT)
    account = scopes.get_or_404(queries.connectable_accounts(request.user), account_id)
    conn = Connection.objects.filter(account=account).first()
    if request.method == "POST":
        try:
            services.connect_account(account, by=request.user, values=request.POST.dict())
            messages.success(request, _("已连接"))
            return redirect("publishing:connections")
        except ValidationError as exc:
            messages.error(request, _errors(exc))
    return render(request, "publishing/connect.html", {"account": account, "conn": conn,
                  "app_secret": account.platform.code == "wechat_mp"})  # fmt: skip


def _callback_uri(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("publishing:oauth_callback"))


def oauth_start(request: HttpRequest, account_id: int) -> HttpResponse:
    """Send the browser to the platform's authorise page (Douyin, Weibo)."""
    queries.require(request.user, perms.CONNECT)
    account = scopes.get_or_404(queries.connectable_accounts(request.user), account_id)
    if account.platform.code not in oauth.OAUTH_PLATFORMS:
        raise Http404
    return redirect(oauth.authorise_url(account.platform.code, account_id=account.pk,
                                        user_id=int(request.user.pk or 0), redirect_uri=_callback_uri(request)))  # fmt: skip


def oauth_callback(request: HttpRequest) -> HttpResponse:
    """The platform sends the browser back with `code` and our signed `state`."""
    queries.require(request.user, perms.CONNECT)
    try:
        account_id, user_id = oauth.read_state(request.GET.get("state", ""))
        if user_id != request.user.pk or not request.GET.get("code"):
            raise PlatformError("bad_state", _("授权链接无效，请重新发起授权"))
        account = scopes.get_or_404(queries.connectable_accounts(request.user), account_id)
        values = oauth.exchange(account.platform.code, request.GET["code"],
                                redirect_uri=_callback_uri(request))  # fmt: skip
        services.connect_account(account, by=request.user, values=values)
        messages.success(request, _("授权成功：%(a)s 已连接") % {"a": account.name})
    except PlatformError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("publishing:connections")
