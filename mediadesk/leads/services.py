"""Writes of the leads desk: capture, allocation and (re)assignment, follow-up, stages,
phone reveals, channels, brokers and campaigns. The public pool lives in pool.py and the
first-contact SLA in sla.py (both imported here so their periodic jobs are registered).

Attribution (reports, visits, disputes, referrals, deals) is written by attribution.py.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit, phone, scopes
from mediadesk.core.errors import PermissionDenied, ValidationError
from mediadesk.leads import attribution, notices
from mediadesk.leads.customers import customer_for_phone
from mediadesk.leads.models import (
    ONLINE_SOURCES,
    AllocationRule,
    Broker,
    Campaign,
    Channel,
    Consultant,
    Customer,
    FollowUp,
    FormHit,
    Intent,
    Opportunity,
    RuleSet,
    Source,
    Stage,
    Team,
    Touch,
)
from mediadesk.notifications import services as notifications
from mediadesk.orgs import handover
from mediadesk.orgs.models import Organisation, Project, RoleGrant, User
from mediadesk.orgs.roles import Perm, Role

audit.register_actions(
    {
        "lead.capture": gettext_lazy("录入线索"),
        "lead.assign": gettext_lazy("分配客户"),
        "lead.unassigned": gettext_lazy("待手动分配"),
        "lead.follow_up": gettext_lazy("跟进客户"),
        "lead.stage": gettext_lazy("变更阶段"),
        "lead.reveal": gettext_lazy("查看完整号码"),
        "lead.export": gettext_lazy("导出客户"),
        "lead.import": gettext_lazy("导入线索"),
        "lead.sla_breach": gettext_lazy("首次联系超时"),
        "lead.sla_escalate": gettext_lazy("首联超时上报主管"),
        "lead.pool_in": gettext_lazy("进入公海"),
        "lead.pool_claim": gettext_lazy("公海领取"),
        "lead.pool_release": gettext_lazy("公海释放（可再报备）"),
        "channel.create": gettext_lazy("新增渠道"),
        "channel.update": gettext_lazy("修改渠道"),
        "broker.create": gettext_lazy("新增经纪人"),
        "broker.deactivate": gettext_lazy("停用经纪人"),
        "lead_campaign.create": gettext_lazy("新增留资活动"),
        "lead_campaign.update": gettext_lazy("修改留资活动"),
    }
)
notifications.register_kinds(
    {
        "lead.assigned": gettext_lazy("新客户分配"),
        "lead.sla": gettext_lazy("首次联系超时"),
        "lead.sla_escalated": gettext_lazy("首次联系超时（上报主管）"),
    }
)

OPEN_STAGES = (Stage.NEW, Stage.CONTACTED, Stage.VISITED)
MANUAL_STAGES = (Stage.CONTACTED, Stage.VISITED, Stage.INVALID, Stage.LOST)
DEAL_STAGES = (Stage.PLEDGED, Stage.SUBSCRIBED, Stage.SIGNED, Stage.PAID, Stage.CANCELLED)
ASSIGN_FIELDS = ("consultant", "team", "assigned_at", "first_contact_due")


def rules_of(project: Project) -> RuleSet:
    """The project's rule set (created with the spec defaults the first time)."""
    return attribution.rules_for(project)


in_project = attribution.in_project


def clean_phone(raw: str, *, field: str = "phone") -> str:
    """The 11-digit mainland mobile, or a ValidationError naming `field`."""
    digits = phone.normalise(raw)
    if not digits:
        raise ValidationError({field: _("请填写手机号")})
    if not phone.MOBILE.match(digits):
        raise ValidationError({field: _("请输入正确的 11 位大陆手机号（如 138 1234 5678）")})
    return digits


# --- capture ---------------------------------------------------------------------------------


def _check_capture(
    organisation: Organisation, project: Project, source: str, by: Any, channel: Channel | None
) -> None:
    if project.organisation_id != organisation.pk:
        raise ValidationError({"project": _("项目不属于该组织")})
    if source not in Source.values:
        raise ValidationError({"source": _("未知的线索来源")})
    if channel is not None and channel.organisation_id != organisation.pk:
        raise ValidationError({"channel": _("渠道不属于该组织")})
    if by is not None and not in_project(by, Perm.LEADS_CAPTURE, project):
        raise PermissionDenied(_("没有在该项目录入线索的权限"))


BACKDATE_GRACE = dt.timedelta(minutes=10)


def _check_back_dating(by: Any, project: Project, at: dt.datetime) -> None:
    """A capture dated in the past is a back-fill: like reported_at, it needs the import right."""
    if by is None or at >= timezone.now() - BACKDATE_GRACE:
        return
    if not in_project(by, Perm.LEADS_IMPORT, project):
        raise PermissionDenied(_("只有具备导入权限的用户可以补录留资时间"))


def _utm(utm: Mapping[str, str] | None) -> dict[str, str]:
    keys = ("source", "medium", "campaign", "content", "term")
    return {f"utm_{k}": str((utm or {}).get(k, "") or "")[:100] for k in keys}


@transaction.atomic
def capture_lead(
    *,
    organisation: Organisation,
    project: Project,
    phone: str,
    source: str,
    by: Any = None,
    name: str = "",
    channel: Channel | None = None,
    account: Any = None,
    content_item: Any = None,
    variant: Any = None,
    live_session: Any = "",
    campaign: Campaign | None = None,
    utm: Mapping[str, str] | None = None,
    captured_at: dt.datetime | None = None,
    note: str = "",
    at_from_record: bool = False,
) -> Touch:
    """Record one capture of a customer (a touch); a known phone never makes a new customer.

    `by` is None for the public form and webhooks (no permission check). The project's
    opportunity is created on the first touch and allocated; a touch on a pooled one wakes
    it up (it leaves the pool and is allocated again, never back to an owner in cooldown).
    `at_from_record` says `captured_at` is a time MediaDesk already holds (a message's
    received time), not one the user typed, so it is no back-fill needing the import right.
    """
    _check_capture(organisation, project, source, by, channel)
    digits = clean_phone(phone)
    name = name.strip()[:40]
    at = captured_at or timezone.now()
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"captured_at": _("留资时间不能晚于当前时间")})
    if not at_from_record:
        _check_back_dating(by, project, at)
    if campaign is not None and campaign.project_id != project.pk:
        raise ValidationError({"campaign": _("留资活动不属于该项目")})
    customer, _created = customer_for_phone(organisation, digits, name=name)
    if name and not customer.name:
        Customer.objects.filter(pk=customer.pk, name="").update(name=name)
        customer.name = name
    actor = by if getattr(by, "pk", None) else None
    touch = Touch.objects.create(
        organisation=organisation, customer=customer, project=project, source=source,
        channel=channel, account=account, content_item=content_item, variant=variant,
        live_session=None if isinstance(live_session, str) else live_session,
        live_session_label=live_session[:80] if isinstance(live_session, str) else "", campaign=campaign, name=name, note=note,
        captured_at=at, captured_by=actor, **_utm(utm),
    )  # fmt: skip
    opportunity, fresh = _opportunity_for(touch)
    audit.record(
        actor=actor or "公开表单",
        action="lead.capture",
        target=customer,
        changes={
            "project": [None, project.name],
            "source": [None, touch.get_source_display()],
            "campaign": [None, campaign.name if campaign else None],
            "new_opportunity": [None, "是" if fresh else "否"],
        },
    )
    if fresh or (opportunity.in_pool and not opportunity.consultant_id):
        allocate(opportunity, by=actor)
    return touch


def _opportunity_for(touch: Touch) -> tuple[Opportunity, bool]:
    """The customer's opportunity in the touch's project, created with the touch's source."""
    project = touch.project
    assert project is not None
    rules = rules_of(project)
    protected_days = (rules.protected_sources or {}).get(touch.source)
    protected_until = (
        touch.captured_at + dt.timedelta(days=int(protected_days)) if protected_days else None
    )
    return Opportunity.objects.get_or_create(
        project=project,
        customer=touch.customer,
        defaults={
            "organisation_id": project.organisation_id,
            "company_id": project.company_id,
            "source": touch.source,
            "channel": touch.channel,
            "source_protected_until": protected_until,
        },
    )


# --- assignment ------------------------------------------------------------------------------


def _seat(project: Project, user: Any) -> Consultant | None:
    return Consultant.objects.filter(project=project, user=user).select_related("team").first()


@transaction.atomic
def assign_opportunity(
    opportunity: Opportunity, *, to: User, by: Any, reason: str = "", notify: bool = True
) -> Opportunity:
    """Give the opportunity to consultant `to` (leads.assign, or the system when `by` is None).

    A reassignment needs a reason; the first-contact clock restarts for the new consultant.
    """
    if by is not None and not scopes.allows(by, Perm.LEADS_ASSIGN, opportunity):
        raise PermissionDenied(_("没有分配该客户的权限"))
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    seat = _seat(opportunity.project, to)
    if seat is None or not to.is_active:
        raise ValidationError({"consultant": _("%(user)s 不是该项目的在职置业顾问") % {"user": to}})
    if opportunity.consultant_id and opportunity.consultant_id != to.pk and not reason.strip():
        raise ValidationError({"reason": _("改派客户必须填写原因")})
    if opportunity.consultant_id == to.pk and not opportunity.in_pool:
        return opportunity
    _set_owner(opportunity, seat, by=by, reason=reason.strip() or "分配")
    if notify:
        _notify_assigned(opportunity, to)
    return opportunity


def _set_owner(
    opportunity: Opportunity,
    seat: Consultant,
    *,
    by: Any,
    reason: str,
    rules: RuleSet | None = None,
) -> int:
    """Write the new owner, restart the SLA clock, leave the pool; audited. Returns the
    project's first-contact minutes (for the notification)."""
    now = timezone.now()
    before = audit.snapshot(opportunity, (*ASSIGN_FIELDS, "in_pool"))
    minutes = (rules or rules_of(opportunity.project)).first_contact_minutes
    if Consultant.user.is_cached(seat):
        opportunity.consultant = seat.user  # its label, without a query
    else:
        opportunity.consultant_id = seat.user_id
    opportunity.team = seat.team
    opportunity.assigned_at = now
    opportunity.first_contact_due = (
        now + dt.timedelta(minutes=minutes) if opportunity.first_contact_at is None else None
    )
    opportunity.sla_breached_at = opportunity.escalated_at = None
    opportunity.in_pool, opportunity.pool_reason = False, ""
    opportunity.save()
    Consultant.objects.filter(pk=seat.pk).update(last_assigned_at=now)
    changes = audit.diff(before, audit.snapshot(opportunity, (*ASSIGN_FIELDS, "in_pool")))
    changes["reason"] = [None, reason]
    actor = by if by is not None else "系统"
    audit.record(actor=actor, action="lead.assign", target=opportunity, changes=changes)
    return minutes


def _notify_assigned(opportunity: Opportunity, to: User, minutes: int | None = None) -> None:
    if minutes is None:
        minutes = rules_of(opportunity.project).first_contact_minutes
    masked = phone.mask(opportunity.customer.phone)
    notices.notify(
        [to],
        kind="lead.assigned",
        text=lambda: (
            _("新客户：%(customer)s（%(project)s）")
            % {"customer": opportunity.customer, "project": opportunity.project},
            _("请在 %(n)s 分钟内首次联系客户 %(phone)s") % {"n": minutes, "phone": masked},
        ),
        url=f"/leads/customers/{opportunity.customer_id}/",
    )


# --- follow-up and stages ------------------------------------------------------------------


def can_work(user: Any, opportunity: Opportunity) -> bool:
    """The owner, the team's supervisor, or anyone holding leads.assign in scope."""
    return (
        opportunity.consultant_id == user.pk
        or (opportunity.team is not None and opportunity.team.supervisor_id == user.pk)
        or scopes.allows(user, Perm.LEADS_ASSIGN, opportunity)
    )


def _locked_workable(opportunity: Opportunity, by: Any) -> Opportunity:
    locked = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("team")
        .get(pk=opportunity.pk)
    )
    if not can_work(by, locked):
        raise PermissionDenied(_("只有该客户的置业顾问、主管或经理可以操作"))
    if locked.in_pool:
        raise ValidationError({"__all__": _("客户在公海中，请先领取再跟进")})
    return locked


@transaction.atomic
def add_follow_up(
    opportunity: Opportunity,
    *,
    by: Any,
    kind: str,
    content: str,
    at: dt.datetime | None = None,
    call_seconds: int | None = None,
    next_contact_at: dt.datetime | None = None,
    intent: str = "",
) -> FollowUp:
    """Log a follow-up (call/WeChat/visit/note); the first one sets first_contact_at."""
    opportunity = _locked_workable(opportunity, by)
    now = timezone.now()
    at = at or now
    _check_follow_up(kind, content, at, now, call_seconds, next_contact_at, intent)
    follow = FollowUp.objects.create(
        opportunity=opportunity, by=by, kind=kind, content=content.strip(), at=at,
        call_seconds=call_seconds if kind == FollowUp.Kind.CALL else None,
        next_contact_at=next_contact_at, intent=intent,
    )  # fmt: skip
    before = audit.snapshot(opportunity, ("stage", "intent", "first_contact_at", "next_contact_at"))
    if opportunity.first_contact_at is None:
        opportunity.first_contact_at, opportunity.first_contact_due = at, None
    if opportunity.stage == Stage.NEW:
        opportunity.stage = Stage.CONTACTED
    opportunity.last_follow_at = max(at, opportunity.last_follow_at or at)
    opportunity.next_contact_at = next_contact_at
    opportunity.intent = intent or opportunity.intent
    opportunity.save()
    changes = audit.diff(
        before,
        audit.snapshot(opportunity, ("stage", "intent", "first_contact_at", "next_contact_at")),
    )
    changes["follow_up"] = [None, f"{follow.get_kind_display()}：{follow.content[:60]}"]
    audit.record(actor=by, action="lead.follow_up", target=opportunity, changes=changes)
    return follow


def _check_follow_up(
    kind: str,
    content: str,
    at: dt.datetime,
    now: dt.datetime,
    call_seconds: int | None,
    next_contact_at: dt.datetime | None,
    intent: str,
) -> None:
    errors: dict[str, str] = {}
    if kind not in FollowUp.Kind.values:
        errors["kind"] = _("请选择跟进方式")
    if not content.strip():
        errors["content"] = _("请填写跟进内容")
    if at > now + dt.timedelta(minutes=5):
        errors["at"] = _("跟进时间不能晚于现在")
    if call_seconds is not None and call_seconds < 0:
        errors["call_seconds"] = _("通话时长不能为负")
    if next_contact_at is not None and next_contact_at <= at:
        errors["next_contact_at"] = _("下次联系时间应晚于本次跟进")
    if intent and intent not in Intent.values:
        errors["intent"] = _("意向等级只能是 A/B/C/D")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def change_stage(opportunity: Opportunity, *, by: Any, stage: str, reason: str = "") -> Opportunity:
    """Move an open opportunity to 已联系/已到访, or close it as 无效/丢失 with a reason.

    Deal stages (认筹…回款, 退房) come from the deal records; 无效/丢失 go to the public pool.
    """
    opportunity = _locked_workable(opportunity, by)
    if stage not in MANUAL_STAGES:
        raise ValidationError({"stage": _("该阶段由成交登记自动更新，不能手动设置")})
    if opportunity.stage in DEAL_STAGES:
        raise ValidationError({"stage": _("客户已进入成交阶段，请通过成交登记变更")})
    if stage in (Stage.INVALID, Stage.LOST) and not reason.strip():
        raise ValidationError({"reason": _("标记无效或丢失必须填写原因")})
    if stage == opportunity.stage:
        return opportunity
    before = audit.snapshot(opportunity, ("stage", "stage_reason"))
    opportunity.stage = stage
    opportunity.stage_reason = reason.strip()[:200] if stage in (Stage.INVALID, Stage.LOST) else ""
    opportunity.save(update_fields=["stage", "stage_reason", "updated_at"])
    changes = audit.diff(before, audit.snapshot(opportunity, ("stage", "stage_reason")))
    audit.record(actor=by, action="lead.stage", target=opportunity, changes=changes)
    if stage in (Stage.INVALID, Stage.LOST):
        from mediadesk.leads import pool

        pool.send_to_pool(opportunity, reason=opportunity.get_stage_display(), by=by)
    return opportunity


# --- phone reveal --------------------------------------------------------------------------


def reveal_phone(customer: Customer, *, by: Any) -> str:
    """The full number for an entitled user (leads.phone in scope or the owner); audited."""
    from mediadesk.leads import access

    shown = access.customer_phone_for(by, customer)
    if shown != customer.phone:
        raise PermissionDenied(_("没有查看该客户完整号码的权限"))
    audit.record(
        actor=by, action="lead.reveal", target=customer, changes={"phone": [None, customer.phone]}
    )
    return shown


# --- channels, brokers, campaigns -----------------------------------------------------------

CHANNEL_FIELDS = ("name", "kind", "contact_name", "contact_phone", "is_active")


def _require_rules(by: Any, organisation_id: int | None) -> None:
    if not scopes.has_perm(by, Perm.LEADS_RULES) or organisation_id not in scopes.organisation_ids(
        by
    ):
        raise PermissionDenied(_("没有管理渠道的权限"))


@transaction.atomic
def save_channel(
    channel: Channel | None, *, by: Any, organisation: Organisation, values: Mapping[str, Any]
) -> Channel:
    """Create or edit a channel of the organisation (leads.rules)."""
    _require_rules(by, organisation.pk)
    name = str(values.get("name", "")).strip()
    if not name:
        raise ValidationError({"name": _("请填写渠道名称")})
    if values.get("kind") not in Channel.Kind.values:
        raise ValidationError({"kind": _("请选择渠道类型")})
    taken = Channel.objects.filter(organisation=organisation, name=name)
    if taken.exclude(pk=channel.pk if channel else 0).exists():
        raise ValidationError({"name": _("已有渠道“%(name)s”") % {"name": name}})
    contact = str(values.get("contact_phone", "") or "")
    contact = clean_phone(contact, field="contact_phone") if contact.strip() else ""
    created = channel is None
    channel = channel or Channel(organisation=organisation)
    before = {} if created else audit.snapshot(channel, CHANNEL_FIELDS)
    channel.name, channel.kind, channel.contact_phone = name, values["kind"], contact
    channel.contact_name = str(values.get("contact_name", "")).strip()[:30]
    channel.is_active = bool(values.get("is_active", True))
    channel.save()
    changes = audit.diff(before, audit.snapshot(channel, CHANNEL_FIELDS))
    action = "channel.create" if created else "channel.update"
    if changes:
        audit.record(actor=by, action=action, target=channel, changes=changes)
    return channel


@transaction.atomic
def create_broker(
    *,
    by: Any,
    channel: Channel,
    project: Project,
    username: str,
    display_name: str,
    phone_number: str,
    password: str,
) -> Broker:
    """A broker login (Role.BROKER in the project) linked to the channel (leads.rules)."""
    if (
        not in_project(by, Perm.LEADS_RULES, project)
        or channel.organisation_id != project.organisation_id
    ):
        raise PermissionDenied(_("没有在该项目管理经纪人的权限"))
    if not channel.is_active:
        raise ValidationError({"channel": _("渠道已停用")})
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("请填写登录名")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("登录名已存在")})
    digits = clean_phone(phone_number, field="phone_number")
    if User.objects.filter(phone=digits).exists():
        raise ValidationError({"phone_number": _("该手机号已被其他用户使用")})
    user = User(
        organisation_id=project.organisation_id, username=username,
        display_name=display_name.strip()[:60], phone=digits,
    )  # fmt: skip
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.save()
    RoleGrant.objects.create(
        user=user, role=Role.BROKER, organisation_id=project.organisation_id,
        company_id=project.company_id, project=project,
    )  # fmt: skip
    broker = Broker.objects.create(
        organisation_id=channel.organisation_id, channel=channel, user=user
    )
    audit.record(actor=by, action="broker.create", target=broker, changes={
        "user": [None, user.label], "channel": [None, channel.name], "project": [None, project.name],
        "phone": [None, digits],
    })  # fmt: skip
    return broker


@transaction.atomic
def deactivate_broker(broker: Broker, *, by: Any) -> Broker:
    """Stop a broker: the login is disabled, the reports stay (leads.rules)."""
    _require_rules(by, broker.organisation_id)
    broker = Broker.objects.select_for_update().select_related("user").get(pk=broker.pk)
    if not broker.is_active:
        return broker
    broker.is_active = False
    broker.save(update_fields=["is_active", "updated_at"])
    User.objects.filter(pk=broker.user_id).update(is_active=False, deactivated_at=timezone.now())
    audit.record(
        actor=by,
        action="broker.deactivate",
        target=broker,
        changes={"is_active": ["是", "否"]},
    )
    return broker


CAMPAIGN_FIELDS = ("name", "project", "source", "account", "content_item", "is_active", "ends_at")


@transaction.atomic
def save_campaign(
    campaign: Campaign | None, *, by: Any, project: Project, values: Mapping[str, Any]
) -> Campaign:
    """Create or edit a capture campaign with its public form (leads.rules in the project)."""
    if not in_project(by, Perm.LEADS_RULES, project):
        raise PermissionDenied(_("没有在该项目管理留资活动的权限"))
    name = str(values.get("name", "")).strip()
    if not name:
        raise ValidationError({"name": _("请填写活动名称")})
    source = values.get("source") or Source.FORM
    if source not in Source.values:
        raise ValidationError({"source": _("未知的线索来源")})
    created = campaign is None
    campaign = campaign or Campaign(
        organisation_id=project.organisation_id, slug=secrets.token_hex(5)
    )
    before = {} if created else audit.snapshot(campaign, CAMPAIGN_FIELDS)
    campaign.project, campaign.name, campaign.source = project, name[:60], source
    campaign.account = values.get("account")
    campaign.content_item = values.get("content_item")
    campaign.is_active = bool(values.get("is_active", True))
    campaign.ends_at = values.get("ends_at")
    campaign.save()
    changes = audit.diff(before, audit.snapshot(campaign, CAMPAIGN_FIELDS))
    if changes:
        action = "lead_campaign.create" if created else "lead_campaign.update"
        audit.record(actor=by, action=action, target=campaign, changes=changes)
    return campaign


# --- the public lead form ------------------------------------------------------------------

RATE_PER_IP_HOUR = 10
RATE_PER_PHONE_DAY = 3
RATE_MESSAGE = gettext_lazy("提交过于频繁，请稍后再试（如需帮助请直接致电售楼处）")


def campaign_open(campaign: Campaign, now: dt.datetime | None = None) -> bool:
    """An active campaign before its end time."""
    now = now or timezone.now()
    return campaign.is_active and (campaign.ends_at is None or campaign.ends_at > now)


def _rate_limited(ip: str | None, digits: str, now: dt.datetime) -> bool:
    hour, day = now - dt.timedelta(hours=1), now - dt.timedelta(days=1)
    by_ip = ip is not None and FormHit.objects.filter(ip=ip, at__gte=hour).count()
    by_phone = bool(digits) and FormHit.objects.filter(phone=digits, at__gte=day).count()
    return (by_ip or 0) >= RATE_PER_IP_HOUR or (by_phone or 0) >= RATE_PER_PHONE_DAY


def submit_public_form(
    campaign: Campaign,
    *,
    name: str,
    phone_number: str,
    ip: str | None,
    honeypot: str = "",
    utm: Mapping[str, str] | None = None,
) -> Touch | None:
    """A visitor leaves their number on a campaign's public form (no login).

    Every attempt is counted (the DB-backed rate limit works across processes); a filled
    honeypot is a bot: it is counted and answered like a success, but nothing is captured."""
    now = timezone.now()
    if not campaign_open(campaign, now):
        raise ValidationError({"__all__": _("该活动已结束")})
    digits = phone.normalise(phone_number)[:11]
    if _rate_limited(ip, digits, now):
        raise ValidationError({"__all__": RATE_MESSAGE})
    FormHit.objects.create(campaign=campaign, ip=ip, phone=digits, at=now)
    if honeypot.strip():
        return None
    with transaction.atomic():
        project = Project.objects.get(pk=campaign.project_id)
        return capture_lead(
            organisation=project.organisation, project=project, phone=phone_number,
            source=campaign.source, name=name, campaign=campaign, account=campaign.account,
            content_item=campaign.content_item, utm=utm, captured_at=now,
            live_session=campaign.live_session,
        )  # fmt: skip


# --- handover --------------------------------------------------------------------------------


def held_opportunities(user: Any) -> Any:
    """A consultant's open opportunities (for 离职交接)."""
    return Opportunity.objects.filter(consultant=user, in_pool=False).exclude(
        stage__in=(Stage.INVALID, Stage.LOST, Stage.CANCELLED, Stage.PAID)
    )


def move_opportunities(from_user: Any, to_user: Any, *, by: Any) -> int:
    """Move a leaving consultant's open opportunities to the successor, audited per customer.

    The successor gets a seat in each project where they have none (joining no team)."""
    moved = 0
    for opportunity in held_opportunities(from_user).select_for_update().select_related("project"):
        seat, _created = Consultant.objects.get_or_create(
            project=opportunity.project, user=to_user,
            defaults={"organisation_id": opportunity.organisation_id},
        )  # fmt: skip
        _set_owner(opportunity, seat, by=by, reason="离职交接")
        moved += 1
    return moved


def open_counts(project: Project, user_ids: list[int]) -> dict[int, int]:
    """Open opportunities per consultant in the project (fewest-open allocation)."""
    rows = (
        Opportunity.objects.filter(
            project=project, consultant_id__in=user_ids, in_pool=False, stage__in=OPEN_STAGES
        )
        .values("consultant_id")
        .annotate(n=Count("id"))
    )
    return {r["consultant_id"]: r["n"] for r in rows}


def assigned_today(project: Project, user_ids: list[int], now: dt.datetime) -> dict[int, int]:
    """Opportunities assigned today (local day) per consultant in the project (daily cap)."""
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = (
        Opportunity.objects.filter(
            Q(project=project) & Q(consultant_id__in=user_ids) & Q(assigned_at__gte=start)
        )
        .values("consultant_id")
        .annotate(n=Count("id"))
    )
    return {r["consultant_id"]: r["n"] for r in rows}


# --- allocation ------------------------------------------------------------------------------

Strategy = AllocationRule.Strategy


def strategy_for(project: Project, source: str) -> str:
    """The project's strategy for the source: its own rule, else the project's default rule,
    else online leads to the online group (when there is one) and round-robin for the rest."""
    rules = {r.source: r.strategy for r in AllocationRule.objects.filter(project=project)}
    if source in rules:
        return rules[source]
    if "" in rules:
        return rules[""]
    online = (
        source in ONLINE_SOURCES and Team.objects.filter(project=project, is_online=True).exists()
    )
    return Strategy.ONLINE_GROUP if online else Strategy.ROUND_ROBIN


def _candidates(
    project: Project, strategy: str, exclude: set[int], now: dt.datetime
) -> list[Consultant]:
    """On-duty active seats under their daily cap, locked so concurrent allocations serialise."""
    seats = (
        Consultant.objects.select_for_update(of=("self",))
        .filter(project=project, on_duty=True, user__is_active=True)
        .exclude(user_id__in=exclude)
        .order_by("pk")
    )
    if strategy == Strategy.ONLINE_GROUP:
        seats = seats.filter(team__is_online=True)
    seats_list = list(seats.select_related("team", "user"))
    today = assigned_today(project, [s.user_id for s in seats_list], now)
    for seat in seats_list:
        seat.today = today.get(seat.user_id, 0)  # type: ignore[attr-defined]
    return [s for s in seats_list if s.today < s.daily_cap]  # type: ignore[attr-defined]


def _never(seat: Consultant) -> tuple[int, dt.datetime]:
    """Sort key: seats never assigned first, then the longest-waiting seat."""
    last = seat.last_assigned_at
    return (0, dt.datetime.min.replace(tzinfo=dt.UTC)) if last is None else (1, last)


def pick_seat(project: Project, strategy: str, seats: list[Consultant]) -> Consultant | None:
    """The seat the strategy chooses among the candidates (None when nobody is available)."""
    if not seats:
        return None
    if strategy == Strategy.FEWEST_OPEN:
        load = open_counts(project, [s.user_id for s in seats])
        return min(seats, key=lambda s: (load.get(s.user_id, 0), _never(s), s.pk))
    if strategy == Strategy.WEIGHTED:
        # Proportional share: the seat furthest below its weight's share of today's leads.
        return min(
            seats,
            key=lambda s: (s.today / max(s.weight, 1), _never(s), s.pk),  # type: ignore[attr-defined]
        )
    return min(seats, key=lambda s: (_never(s), s.pk))


def allocate(
    opportunity: Opportunity, *, by: Any = None, exclude: set[int] | None = None, reason: str = "",
    held: RuleSet | None = None,
) -> User | None:  # fmt: skip
    """Allocate an unowned opportunity by its project's strategy; None leaves it for manual
    assignment (manual strategy, or nobody on duty under the daily cap). `held`: the caller
    created the row in its open transaction (so it is ours already) and passes the rules."""
    project = opportunity.project
    strategy = strategy_for(project, opportunity.source)
    now = timezone.now()
    seat = None
    if strategy != Strategy.MANUAL:
        excluded = set(exclude or ())
        if opportunity.previous_consultant_id and (opportunity.cooldown_until or now) > now:
            excluded.add(opportunity.previous_consultant_id)
        seat = pick_seat(project, strategy, _candidates(project, strategy, excluded, now))
    if seat is None:
        audit.record(actor=by or "系统", action="lead.unassigned", target=opportunity, changes={
            "reason": [None, "手动分配" if strategy == Strategy.MANUAL else "无在岗且未达上限的顾问"],
        })  # fmt: skip
        return None
    label = reason or f"自动分配（{Strategy(strategy).label}）"
    if held is not None:
        minutes = _set_owner(opportunity, seat, by=by, reason=label, rules=held)
        _notify_assigned(opportunity, seat.user, minutes)
        return seat.user
    locked = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    locked.project = project
    if Opportunity.customer.is_cached(opportunity):
        locked.customer = opportunity.customer
    minutes = _set_owner(locked, seat, by=by, reason=label)
    _notify_assigned(locked, seat.user, minutes)
    for field in Opportunity._meta.concrete_fields:  # the caller's instance sees the owner
        setattr(opportunity, field.attname, getattr(locked, field.attname))
    return seat.user


handover.register(
    handover.HandoverKind(
        "lead_opportunities",
        gettext_lazy("在跟客户"),
        lambda u: held_opportunities(u).count(),
        move_opportunities,
    )
)

# The periodic jobs live in pool.py and sla.py; importing them here registers them, because
# core autodiscovers every app's services module.
from mediadesk.leads import pool, sla  # noqa: E402,F401
