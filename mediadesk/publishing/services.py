"""Every write of publishing a person starts: schedule, cancel, retry, manual publishing,
withdrawal, connections and the 1-hour check. Each checks permission and state, changes rows
in one transaction, records an audit entry and queues work after commit."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from mediadesk.content.models import ContentItem, Status, Variant
from mediadesk.core import audit, crypto, scopes
from mediadesk.core.errors import Conflict, PermissionDenied, ValidationError
from mediadesk.matrix.models import Account
from mediadesk.notifications import services as notifications
from mediadesk.orgs.roles import Role
from mediadesk.publishing import conf, engine, guard, perms, queries, rules
from mediadesk.publishing.connectors import APP_SECRET_PLATFORMS, connector_for
from mediadesk.publishing.connectors.base import PlatformError, Unsupported
from mediadesk.publishing.models import (
    Connection,
    ConnectionStatus,
    PostCheck,
    PublishJob,
    State,
)

audit.register_actions(
    {
        "publishing.schedule": gettext_lazy("排期发布"),
        "publishing.reschedule": gettext_lazy("调整发布排期"),
        "publishing.cancel": gettext_lazy("取消发布"),
        "publishing.retry": gettext_lazy("重试发布"),
        "publishing.package": gettext_lazy("转为发布包（人工发布）"),
        "publishing.manual": gettext_lazy("人工发布并粘贴链接"),
        "publishing.published": gettext_lazy("平台发布成功"),
        "publishing.failed": gettext_lazy("发布失败"),
        "publishing.withdraw": gettext_lazy("撤回发布"),
        "publishing.withdraw_done": gettext_lazy("确认已手动删除"),
        "publishing.connect": gettext_lazy("连接平台账号"),
        "publishing.check": gettext_lazy("完成发布后检查"),
    }
)
notifications.register_kinds(
    {
        "publishing.failed": gettext_lazy("发布失败"),
        "publishing.package_due": gettext_lazy("发布包到时提醒"),
        "publishing.check_overdue": gettext_lazy("发布后检查超时"),
        "publishing.connection": gettext_lazy("平台授权即将过期"),
    }
)
# Stored on the job as written (data); pages and the API show it through gettext.
NO_CONNECTION_MESSAGE = gettext_noop(
    "该账号未连接发布接口，已生成发布包，请到时按发布包手动发布并粘贴链接"
)
UNSETTLED_VARIANT = (Status.APPROVED, Status.SCHEDULED)


def _require(by: Any, obj: Any) -> None:
    if not scopes.allows(by, perms.PUBLISH, obj, shared=True):
        raise PermissionDenied(_("没有在该范围排期或发布的权限"))


# --- scheduling -------------------------------------------------------------------------------


def _when(at: dt.datetime | None, now: bool) -> dt.datetime:
    current = timezone.now()
    if now:
        return current
    if at is None:
        raise ValidationError({"at": _("请填写发布时间，或选择立即发布")})
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at < current - dt.timedelta(minutes=1):
        raise ValidationError({"at": _("发布时间不能早于当前时间")})
    return at


def warnings_for(variant: Variant, at: dt.datetime) -> list[str]:
    """Quota and near-identical copy warnings (they do not block scheduling)."""
    out = []
    quota = variant.platform.daily_send_quota
    used = queries.quota_used(variant.account, timezone.localdate(at))
    if quota and used >= quota:
        out.append(_("%(account)s 当天已排 %(used)s 条，超过平台每日上限 %(quota)s 条")
                   % {"account": variant.account.name, "used": used, "quota": quota})  # fmt: skip
    if rules.in_quiet_hours(timezone.localtime(at).hour, conf.quiet_hours()):
        out.append(
            _("计划时间在免打扰时段（%(h)s 点），粉丝可能不会及时看到")
            % {"h": timezone.localtime(at).hour}
        )
    text = f"{variant.title}\n{variant.body}"
    threshold = conf.similarity_threshold()
    for other in variant.item.variants.exclude(pk=variant.pk).exclude(platform=variant.platform):
        score = rules.similarity(text, f"{other.title}\n{other.body}")
        if score >= threshold:
            out.append(_("与%(platform)s平台稿文案几乎相同（相似度 %(pct)s%%），建议按平台改写，避免一键同步")
                       % {"platform": other.platform.name, "pct": round(score * 100)})  # fmt: skip
    return out


def _usable(account: Account) -> bool:
    conn = Connection.objects.filter(account=account).first()
    return connector_for(account.platform.code) is not None and conn is not None


@transaction.atomic
def schedule_variant(
    variant: Variant, *, by: Any, at: dt.datetime | None = None, now: bool = False
) -> tuple[PublishJob, list[str]]:
    """Schedule an approved variant (or move its queued job); returns the job and warnings.
    An account without a connection gets a publish package instead (its message says so)."""
    _require(by, variant)
    variant = Variant.objects.select_for_update().select_related(
        "item", "account", "platform").get(pk=variant.pk)  # fmt: skip
    when = _when(at, now)
    active = PublishJob.objects.filter(variant=variant, state__in=[State.QUEUED, State.MANUAL,
                                       State.PUBLISHING, State.SUBMITTED]).first()  # fmt: skip
    if active is not None:
        return _reschedule(active, variant, by=by, when=when), warnings_for(variant, when)
    if variant.status not in UNSETTLED_VARIANT:
        raise ValidationError({"variant": _("只有审核通过的平台稿可以排期（当前：%(s)s）")
                               % {"s": variant.get_status_display()}})  # fmt: skip
    revision = guard.approved_revision(variant.item)
    if revision is None or not guard.matches(variant, revision):
        raise ValidationError({"variant": _("平台稿在审核通过后被修改过，请重新提交审核后再排期")})
    manual = not _usable(variant.account)
    try:
        with transaction.atomic():
            job = _create_job(variant, revision, by=by, when=when, manual=manual)
    except IntegrityError:
        raise Conflict(_("该平台稿已有进行中的发布任务")) from None
    Variant.objects.filter(pk=variant.pk).update(status=Status.SCHEDULED, planned_at=when,
                                                 updated_at=timezone.now())  # fmt: skip
    audit.record(actor=by, action="publishing.schedule", target=variant,
                 changes={"planned_at": [variant.planned_at, when], "job": [None, job.pk],
                          "state": [None, job.get_state_display()]})  # fmt: skip
    if now and not manual:
        transaction.on_commit(lambda: engine.dispatch(), robust=True)
    return job, warnings_for(variant, when)


def _create_job(
    variant: Variant, revision: Any, *, by: Any, when: dt.datetime, manual: bool
) -> PublishJob:
    return PublishJob.objects.create(
        variant=variant, account=variant.account, platform=variant.platform,
        organisation_id=variant.organisation_id, company_id=variant.company_id,
        project_id=variant.project_id, state=State.MANUAL if manual else State.QUEUED,
        idempotency_key=uuid.uuid4().hex, revision_number=revision.number,
        payload=guard.payload(variant, revision), scheduled_at=when, next_try_at=when,
        error_message=NO_CONNECTION_MESSAGE if manual else "", created_by=by,
    )  # fmt: skip


def _reschedule(job: PublishJob, variant: Variant, *, by: Any, when: dt.datetime) -> PublishJob:
    if job.state not in (State.QUEUED, State.MANUAL):
        raise Conflict(
            _("发布任务已开始（%(s)s），不能再调整时间") % {"s": job.get_state_display()}
        )
    old = job.scheduled_at
    PublishJob.objects.filter(pk=job.pk).update(scheduled_at=when, next_try_at=when,
                                                dispatched_at=None, reminded_at=None)  # fmt: skip
    Variant.objects.filter(pk=variant.pk).update(planned_at=when, updated_at=timezone.now())
    audit.record(actor=by, action="publishing.reschedule", target=variant,
                 changes={"planned_at": [old, when]})  # fmt: skip
    job.refresh_from_db()
    return job


def schedule_item(
    item: ContentItem, *, by: Any, at: dt.datetime | None = None, now: bool = False
) -> list[tuple[PublishJob, list[str]]]:
    """Schedule every approved variant of an item (all or nothing)."""
    with transaction.atomic():
        variants = list(item.variants.filter(status__in=UNSETTLED_VARIANT).order_by("pk"))
        if not variants:
            raise ValidationError({"item": _("该内容没有可排期的已通过平台稿")})
        return [schedule_variant(v, by=by, at=at or v.planned_at, now=now) for v in variants]


@transaction.atomic
def cancel_variant(variant: Variant, *, by: Any) -> PublishJob:
    """Cancel the variant's job before it starts; the variant is approved again."""
    _require(by, variant)
    job = PublishJob.objects.select_for_update().filter(
        variant=variant, state__in=[State.QUEUED, State.MANUAL, State.FAILED]
    ).order_by("-pk").first()  # fmt: skip
    if job is None:
        raise Conflict(_("没有可取消的发布任务（已开始发布或已发布的不能取消）"))
    won = PublishJob.objects.filter(pk=job.pk, state=job.state).update(state=State.CANCELLED)
    if not won:
        raise Conflict(_("发布任务状态已变化，请刷新"))
    Variant.objects.filter(pk=variant.pk, status=Status.SCHEDULED).update(status=Status.APPROVED)
    audit.record(actor=by, action="publishing.cancel", target=variant,
                 changes={"job": [job.pk, None], "state": [job.get_state_display(), str(State.CANCELLED.label)]})  # fmt: skip
    job.state = State.CANCELLED
    return job


@transaction.atomic
def retry_job(job: PublishJob, *, by: Any) -> PublishJob:
    """Queue a failed job again now (a new job row, same approved copy)."""
    _require(by, job)
    job = PublishJob.objects.select_for_update().get(pk=job.pk)
    if job.state != State.FAILED:
        raise Conflict(_("只有发布失败的任务可以重试"))
    variant = job.variant
    if variant.status != Status.SCHEDULED:
        raise ValidationError({"variant": _("平台稿已不是已排期状态，请重新审核后排期")})
    PublishJob.objects.filter(pk=job.pk).update(state=State.CANCELLED)
    new = PublishJob.objects.create(
        variant_id=job.variant_id, account_id=job.account_id, platform_id=job.platform_id,
        organisation_id=job.organisation_id, company_id=job.company_id, project_id=job.project_id,
        state=State.QUEUED, idempotency_key=uuid.uuid4().hex, revision_number=job.revision_number,
        payload=job.payload, scheduled_at=timezone.now(), next_try_at=timezone.now(),
        submit_started_at=job.submit_started_at, media_id=job.media_id, publish_id=job.publish_id,
        created_by=by,
    )  # fmt: skip
    audit.record(actor=by, action="publishing.retry", target=new, changes={"job": [job.pk, new.pk]})
    transaction.on_commit(lambda: engine.dispatch(), robust=True)
    return new


@transaction.atomic
def manual_instead(job: PublishJob, *, by: Any) -> PublishJob:
    """Turn a failed or queued job into a publish package a person posts."""
    _require(by, job)
    won = PublishJob.objects.filter(pk=job.pk, state__in=[State.FAILED, State.QUEUED]).update(
        state=State.MANUAL, error_message=_("已改为人工发布"))  # fmt: skip
    if not won:
        raise Conflict(_("该任务不能改为人工发布"))
    audit.record(actor=by, action="publishing.package", target=job,
                 changes={"state": [job.get_state_display(), str(State.MANUAL.label)]})  # fmt: skip
    job.refresh_from_db()
    return job


def _check_url(url: str) -> str:
    from mediadesk.review.services import _check_url as check

    return check(url)


@transaction.atomic
def mark_manual(
    variant: Variant, *, by: Any, url: str, published_at: dt.datetime | None
) -> PublishJob:
    """ "已发布，粘贴链接": the person posted the package; the variant becomes a post."""
    _require(by, variant)
    url = _check_url(url)
    published_at = published_at or timezone.now()
    if timezone.is_naive(published_at):
        published_at = timezone.make_aware(published_at)
    if published_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"published_at": _("发布时间不能晚于当前时间")})
    job = PublishJob.objects.select_for_update().filter(
        variant=variant, state__in=[State.MANUAL, State.FAILED, State.QUEUED]).order_by("-pk").first()  # fmt: skip
    if job is None:
        if variant.status not in UNSETTLED_VARIANT:
            raise Conflict(
                _("该平台稿不能标记为已发布（当前：%(s)s）") % {"s": variant.get_status_display()}
            )
        job, _warn = schedule_variant(variant, by=by, now=True)
    PublishJob.objects.filter(pk=job.pk).update(state=State.PUBLISHING, lease_owner="manual",
                                                lease_until=timezone.now() + conf.lease())  # fmt: skip
    job.refresh_from_db()
    engine.record(job, engine.Posted(published=True, url=url, published_at=published_at), "manual",
                  how="manual")  # fmt: skip
    audit.record(actor=by, action="publishing.manual", target=job.variant,
                 changes={"published_url": [None, url]})  # fmt: skip
    return job


@transaction.atomic
def confirm_withdrawn(job: PublishJob, *, by: Any) -> PublishJob:
    """The person deleted the post by hand."""
    _require(by, job)
    if not PublishJob.objects.filter(pk=job.pk, withdraw_pending=True).update(
        withdraw_pending=False
    ):
        raise Conflict(_("没有待确认的手动删除"))
    audit.record(actor=by, action="publishing.withdraw_done", target=job, changes={})
    return job


def withdraw_variant(variant: Variant, *, by: Any, reason: str) -> Variant:
    """Withdraw: delete on the platform where the API allows it, else a task for a person."""
    from mediadesk.review.services import mark_withdrawn

    _require(by, variant)
    if not reason.strip():
        raise ValidationError({"reason": _("撤回时必须填写原因")})
    job = PublishJob.objects.filter(variant=variant, state=State.PUBLISHED).select_related(
        "account", "platform").order_by("-pk").first()  # fmt: skip
    pending = False
    if job is not None:
        connector = connector_for(job.platform.code)
        conn = Connection.objects.filter(account_id=job.account_id).first()
        if connector is None or conn is None or not job.external_id:
            pending = True
        else:
            job.account.connection = conn
            try:
                connector.withdraw(job)
            except Unsupported:
                pending = True
            except PlatformError as exc:
                raise ValidationError(
                    {"reason": _("平台删除失败：%(m)s") % {"m": exc.message}}
                ) from None
    with transaction.atomic():
        for open_job in PublishJob.objects.filter(
            variant=variant, state__in=[State.QUEUED, State.MANUAL]
        ):
            PublishJob.objects.filter(pk=open_job.pk).update(state=State.CANCELLED)
        variant = mark_withdrawn(variant, by=by, reason=reason)
        if job is not None:
            PublishJob.objects.filter(pk=job.pk).update(withdraw_pending=pending)
        audit.record(actor=by, action="publishing.withdraw", target=variant,
                     changes={"reason": reason.strip(), "manual_delete": pending})  # fmt: skip
    return variant


# --- connections ------------------------------------------------------------------------------


def _expiry(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError({"expires_at": _("时间格式应为 ISO 8601")}) from None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@transaction.atomic
def connect_account(account: Account, *, by: Any, values: dict[str, Any]) -> Connection:
    """Store an account's credentials sealed (公众号 app_id/app_secret; OAuth access/refresh token)."""
    if not scopes.allows(by, perms.CONNECT, account, shared=True):
        raise PermissionDenied(_("没有连接该账号的权限"))
    code = account.platform.code
    if connector_for(code) is None:
        raise ValidationError({"account": _("该平台没有公开发布接口，请使用发布包人工发布")})
    conn = Connection.objects.select_for_update().filter(account=account).first() or Connection(
        account=account, organisation_id=account.organisation_id, company_id=account.company_id,
        project_id=account.project_id)  # fmt: skip
    if code in APP_SECRET_PLATFORMS:
        app_id, secret = (
            (values.get("app_id") or "").strip(),
            (values.get("app_secret") or "").strip(),
        )
        if not app_id or not secret:
            raise ValidationError({"app_secret": _("公众号需要填写 AppID 和 AppSecret")})
        conn.app_id, conn.secret_sealed = app_id, crypto.seal(secret)
        conn.token_sealed, conn.token_expires_at, conn.expires_at = "", None, None
    else:
        token = (values.get("access_token") or "").strip()
        if not token:
            raise ValidationError({"access_token": _("请填写 access_token")})
        conn.secret_sealed = crypto.seal(token)
        refresh = (values.get("refresh_token") or "").strip()
        conn.refresh_sealed = crypto.seal(refresh) if refresh else ""
        conn.expires_at = _expiry(values.get("expires_at"))
        conn.app_id = (values.get("open_id") or values.get("app_id") or conn.app_id or "").strip()
    conn.status, conn.last_error, conn.updated_by = ConnectionStatus.CONNECTED, "", by
    conn.save()
    audit.record(actor=by, action="publishing.connect", target=account,
                 changes={"connection": [None, conn.get_status_display()], "app_id": [None, conn.app_id]})  # fmt: skip
    return conn


# --- notifications and the 1-hour check -------------------------------------------------------


def reauth_url(job: PublishJob) -> str:
    return reverse("publishing:connect", args=[job.account_id])


REAUTH = "请重新授权"


def reauth_message(job: PublishJob, message: str) -> str:
    """A job's message for a rejected authorisation: it asks to reauthorise and gives the link."""
    if REAUTH not in message:
        message = f"{message}，{REAUTH}"
    link = reauth_url(job)
    return message if link in message else f"{message}：{link}"


def notify_failure(job: PublishJob) -> None:
    """The operator who scheduled it, the account's custodian and the robots hear of it."""
    body = job.error_message
    if REAUTH in body:
        body = reauth_message(job, body)
    notifications.notify(
        [job.created_by, job.account.custodian], kind="publishing.failed",
        title=_("发布失败：%(t)s（%(a)s）") % {"t": job.payload.get("title", ""), "a": job.account.name},
        body=body, url=reverse("publishing:job", args=[job.pk]), organisation=job.organisation,
    )  # fmt: skip


CHECK_FIELDS = ("published_ok", "link_ok", "media_ok", "first_comment_done", "note")


@transaction.atomic
def confirm_check(check: PostCheck, *, by: Any, values: dict[str, Any]) -> PostCheck:
    """The operator confirms the 1-hour check (pre-ticked items included)."""
    _require(by, check)
    check = PostCheck.objects.select_for_update().get(pk=check.pk)
    if check.confirmed_at is not None:
        raise Conflict(_("该检查已确认"))
    for name in CHECK_FIELDS:
        if name in values:
            setattr(check, name, values[name])
    check.note = (check.note or "")[:300]
    check.confirmed_by, check.confirmed_at = by, timezone.now()
    check.save()
    audit.record(actor=by, action="publishing.check", target=check,
                 changes=audit.snapshot(check, CHECK_FIELDS))  # fmt: skip
    return check


def escalate_checks(now: dt.datetime) -> int:
    """Checks unconfirmed an hour after they fell due go to the managers."""
    from mediadesk.orgs.models import User

    late = PostCheck.objects.filter(confirmed_at__isnull=True, escalated_at__isnull=True,
                                    due_at__lt=now - conf.CHECK_ESCALATE_AFTER).select_related("variant__item")  # fmt: skip
    count = 0
    for check in late:
        managers = User.objects.filter(role_grants__role=Role.MANAGER,
                                       role_grants__organisation_id=check.organisation_id).distinct()  # fmt: skip
        notifications.notify(managers, kind="publishing.check_overdue",
                             title=_("发布后检查超时：%(t)s") % {"t": check.variant.item.title},
                             url=reverse("publishing:checks"), organisation=check.variant.organisation)  # fmt: skip
        PostCheck.objects.filter(pk=check.pk).update(escalated_at=now)
        count += 1
    return count


def remind_packages(now: dt.datetime) -> int:
    """At the slot, remind the scheduler and the custodian to post the package."""
    due = PublishJob.objects.filter(state=State.MANUAL, reminded_at__isnull=True,
                                    scheduled_at__lte=now).select_related("account", "created_by")  # fmt: skip
    count = 0
    for job in due:
        notifications.notify([job.created_by, job.account.custodian], kind="publishing.package_due",
                             title=_("到点发布：%(t)s（%(a)s）") % {"t": job.payload.get("title", ""), "a": job.account.name},
                             body=_("请按发布包手动发布，并粘贴发布链接"),
                             url=reverse("publishing:package", args=[job.pk]), organisation=job.organisation)  # fmt: skip
        PublishJob.objects.filter(pk=job.pk).update(reminded_at=now)
        count += 1
    return count


def warn_expiring(now: dt.datetime) -> int:
    """OAuth connections that expire within 7 days warn the custodian (once per day slot)."""
    soon = Connection.objects.filter(expires_at__lt=now + dt.timedelta(days=7),
                                     expires_at__gt=now - dt.timedelta(days=1),
                                     status=ConnectionStatus.CONNECTED).select_related("account")  # fmt: skip
    for conn in soon:
        notifications.notify([conn.account.custodian], kind="publishing.connection",
                             title=_("平台授权即将过期：%(a)s") % {"a": conn.account.name},
                             url=reverse("publishing:connect", args=[conn.account_id]))  # fmt: skip
    expired = Connection.objects.filter(expires_at__lte=now, refresh_sealed="",
                                        status=ConnectionStatus.CONNECTED)  # fmt: skip
    expired.update(status=ConnectionStatus.EXPIRED, last_error=_("授权已过期，请重新授权"))
    return soon.count()
