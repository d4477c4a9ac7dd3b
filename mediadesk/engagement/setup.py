"""Inbox settings writes (ASSIGN / OPINION_MANAGE): service seats, SLA policies, assignment
and approval rules, reply variables, webhook channels, opinion thresholds. Each audited."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit, scopes
from mediadesk.engagement import perms, webhooks
from mediadesk.engagement.models import (
    ApprovalRule,
    AssignmentRule,
    Channel,
    Grade,
    Kind,
    OpinionSettings,
    Polarity,
    ReplyVariable,
    ServiceSeat,
    SlaPolicy,
)
from mediadesk.matrix.models import Account
from mediadesk.orgs.models import Organisation, User

audit.register_actions(
    {
        "service_seat.save": gettext_lazy("保存客服席位"),
        "sla_policy.save": gettext_lazy("保存回复时限"),
        "sla_policy.delete": gettext_lazy("删除回复时限"),
        "assignment_rule.save": gettext_lazy("保存分配规则"),
        "assignment_rule.delete": gettext_lazy("删除分配规则"),
        "approval_rule.save": gettext_lazy("保存回复审批规则"),
        "approval_rule.delete": gettext_lazy("删除回复审批规则"),
        "reply_variable.save": gettext_lazy("保存话术变量"),
        "engagement_channel.create": gettext_lazy("新增消息接入"),
        "opinion_settings.save": gettext_lazy("修改舆情阈值"),
        "incident_grade.save": gettext_lazy("修改事件分级规则"),
    }
)


def require(by: Any, organisation: Organisation, perm: str = perms.ASSIGN) -> None:
    if by.organisation_id != organisation.pk or not scopes.has_perm(by, perm):
        raise PermissionDenied(_("没有修改互动设置的权限"))


def _member(organisation: Organisation, user_id: Any, field: str) -> User:
    user = User.objects.filter(pk=user_id or 0, organisation=organisation, is_active=True).first()
    if user is None:
        raise ValidationError({field: _("请选择本组织的用户")})
    return user


def _account(organisation: Organisation, account_id: Any) -> Account | None:
    if not account_id:
        return None
    account = Account.objects.filter(pk=account_id, organisation=organisation).first()
    if account is None:
        raise ValidationError({"account": _("账号不存在")})
    return account


@transaction.atomic
def save_seat(organisation: Organisation, *, user_id: Any, on_duty: bool, supervisor_id: Any, by: Any) -> ServiceSeat:  # fmt: skip
    """Add a service user to the round-robin, or change their duty and supervisor."""
    require(by, organisation)
    user = _member(organisation, user_id, "user")
    supervisor = _member(organisation, supervisor_id, "supervisor") if supervisor_id else None
    seat, _created = ServiceSeat.objects.update_or_create(
        organisation=organisation,
        user=user,
        defaults={"on_duty": on_duty, "supervisor": supervisor},
    )
    audit.record(actor=by, action="service_seat.save", target=seat, changes={"user": [None, str(user)], "on_duty": [None, on_duty], "supervisor": [None, str(supervisor or "")]})  # fmt: skip
    return seat


@transaction.atomic
def save_sla(organisation: Organisation, *, platform_code: str, kind: str, minutes: Any, business_hours: bool = False, day_starts: dt.time | None = None, day_ends: dt.time | None = None, by: Any) -> SlaPolicy:  # fmt: skip
    """Set the first-response target for a platform and kind (blank = any)."""
    require(by, organisation)
    errors = {}
    if kind and kind not in Kind.values:
        errors["kind"] = _("未知类型")
    try:
        minutes = int(minutes)
        if not 1 <= minutes <= 60 * 24 * 7:
            raise ValueError
    except (TypeError, ValueError):
        errors["minutes"] = _("时限应为 1 到 10080 分钟")
    if business_hours and (day_starts is None or day_ends is None or day_starts >= day_ends):
        errors["day_starts"] = _("请填写上班和下班时间（上班早于下班）")
    if errors:
        raise ValidationError(errors)
    policy, _created = SlaPolicy.objects.update_or_create(
        organisation=organisation, platform_code=platform_code, kind=kind,
        defaults={"minutes": minutes, "business_hours": business_hours, "day_starts": day_starts, "day_ends": day_ends},
    )  # fmt: skip
    audit.record(actor=by, action="sla_policy.save", target=policy, changes={"platform": [None, platform_code or "*"], "kind": [None, kind or "*"], "minutes": [None, minutes]})  # fmt: skip
    return policy


@transaction.atomic
def save_assignment_rule(organisation: Organisation, *, account_id: Any, keyword: str, assignee_id: Any, sort: int = 100, by: Any) -> AssignmentRule:  # fmt: skip
    """Route an account's messages, or those containing a keyword, to one person."""
    require(by, organisation)
    account = _account(organisation, account_id)
    if account is None and not keyword.strip():
        raise ValidationError({"keyword": _("账号和关键词至少填一项")})
    rule = AssignmentRule.objects.create(
        organisation=organisation, account=account, keyword=keyword.strip()[:40],
        assignee=_member(organisation, assignee_id, "assignee"), sort=sort,
    )  # fmt: skip
    audit.record(actor=by, action="assignment_rule.save", target=rule, changes={"account": [None, str(account or "")], "keyword": [None, rule.keyword], "assignee": [None, str(rule.assignee)]})  # fmt: skip
    return rule


@transaction.atomic
def save_approval_rule(organisation: Organisation, *, account_id: Any, polarity: str, by: Any) -> ApprovalRule:  # fmt: skip
    """Replies on the account (or any) to messages of the polarity (or any) need approval."""
    require(by, organisation)
    if polarity and polarity not in Polarity.values:
        raise ValidationError({"polarity": _("未知情感")})
    rule = ApprovalRule.objects.create(organisation=organisation, account=_account(organisation, account_id), polarity=polarity)  # fmt: skip
    audit.record(actor=by, action="approval_rule.save", target=rule, changes={"account": [None, str(rule.account or "*")], "polarity": [None, polarity or "*"]})  # fmt: skip
    return rule


@transaction.atomic
def delete_rule(rule: AssignmentRule | ApprovalRule | SlaPolicy, *, by: Any) -> None:
    require(by, rule.organisation)
    audit.record(actor=by, action=f"{rule.audit_type}.delete", target=rule, changes={"rule": [str(rule), None]})  # fmt: skip
    rule.delete()


@transaction.atomic
def save_variable(organisation: Organisation, *, name: str, value: str, project: Any = None, by: Any) -> ReplyVariable:  # fmt: skip
    """A `{变量}` value for standard replies (organisation-wide or one project)."""
    require(by, organisation, perms.REPLIES)
    name, value = name.strip().strip("{}"), value.strip()
    if not name or len(name) > 12 or not value:
        raise ValidationError({"name": _("变量名（最多 12 字）和取值必填")})
    row, _created = ReplyVariable.objects.update_or_create(organisation=organisation, project=project, name=name, defaults={"value": value[:100]})  # fmt: skip
    audit.record(actor=by, action="reply_variable.save", target=row, changes={"name": [None, name], "value": [None, value]})  # fmt: skip
    return row


@transaction.atomic
def create_channel(organisation: Organisation, *, account_id: Any, source: str, token: str = "", app_id: str = "", aes_key: str = "", secret: str = "", by: Any) -> Channel:  # fmt: skip
    """A webhook endpoint for an account; the AES key and the client secret are sealed and
    never shown again."""
    require(by, organisation)
    account = _account(organisation, account_id)
    if account is None:
        raise ValidationError({"account": _("请选择账号")})
    if source == Channel.Source.WECHAT and (not token or not app_id):
        raise ValidationError({"token": _("公众号消息推送需要 Token 和 AppID")})
    if source == Channel.Source.DOUYIN and not secret:
        raise ValidationError({"secret": _("抖音 Webhook 需要 client_secret")})
    try:
        channel = webhooks.save_channel(account=account, source=source, slug=secrets.token_hex(8), token=token.strip(), app_id=app_id.strip(), aes_key=aes_key.strip(), secret=secret.strip())  # fmt: skip
    except webhooks.CryptoError:
        raise ValidationError({"aes_key": _("EncodingAESKey 应为 43 个字符")}) from None
    audit.record(actor=by, action="engagement_channel.create", target=channel, changes={"account": [None, str(account)], "source": [None, channel.get_source_display()]})  # fmt: skip
    return channel


def _optional(raw: Any, cast: Any) -> Any:
    return cast(raw) if raw not in (None, "") else None


@transaction.atomic
def save_grade(organisation: Organisation, *, grade_id: Any, values: dict[str, Any], notify_ids: list[Any], by: Any) -> Grade:  # fmt: skip
    """Change a level's rule (reach, negatives, negative share, red keyword, sources) and its
    playbook (first-response hours, who the robot @-mentions)."""
    require(by, organisation, perms.OPINION_MANAGE)
    grade = Grade.objects.filter(pk=grade_id or 0, organisation=organisation).first()
    if grade is None:
        raise ValidationError({"grade": _("级别不存在")})
    before = {k: getattr(grade, k) for k in GRADE_FIELDS}
    try:
        grade.name = str(values.get("name") or grade.name)[:20]
        grade.min_reach = _optional(values.get("min_reach"), int)
        grade.min_negative = _optional(values.get("min_negative"), int)
        grade.min_negative_share = _optional(values.get("min_negative_share"), float)
        grade.response_hours = float(values.get("response_hours") or grade.response_hours)
    except (TypeError, ValueError):
        raise ValidationError(_("阈值和时限应为数字")) from None
    if grade.response_hours <= 0 or (grade.min_negative_share is not None and not 0 < grade.min_negative_share <= 1):  # fmt: skip
        raise ValidationError(_("响应时限须大于 0，负面占比在 0 到 1 之间"))
    grade.red_keyword = bool(values.get("red_keyword"))
    grade.sources = str(values.get("sources") or "")[:200]
    grade.save()
    grade.notify.set(User.objects.filter(organisation=organisation, pk__in=[i for i in notify_ids if str(i).isdigit()]))  # fmt: skip
    after = {k: getattr(grade, k) for k in GRADE_FIELDS}
    audit.record(actor=by, action="incident_grade.save", target=grade, changes=audit.diff(before, after))  # fmt: skip
    return grade


GRADE_FIELDS = ("name", "min_reach", "min_negative", "min_negative_share", "red_keyword", "sources", "response_hours")  # fmt: skip
THRESHOLDS = ("spike_factor", "spike_min_count", "baseline_days", "burst_count", "burst_minutes", "big_v_followers", "red_keywords", "auto_open")  # fmt: skip


@transaction.atomic
def save_thresholds(organisation: Organisation, values: dict[str, Any], *, by: Any) -> OpinionSettings:  # fmt: skip
    """The signal thresholds (spike factor, burst N in M minutes, 大V, red keywords)."""
    require(by, organisation, perms.OPINION_MANAGE)
    row, _created = OpinionSettings.objects.get_or_create(organisation=organisation)
    before = {k: getattr(row, k) for k in THRESHOLDS}
    try:
        row.spike_factor = float(values.get("spike_factor", row.spike_factor))
        for key in ("spike_min_count", "baseline_days", "burst_count", "burst_minutes", "big_v_followers"):  # fmt: skip
            setattr(row, key, int(values.get(key, getattr(row, key))))
    except (TypeError, ValueError):
        raise ValidationError(_("阈值应为数字")) from None
    if row.spike_factor <= 1 or not 1 <= row.baseline_days <= 28 or row.burst_minutes < 1 or row.burst_count < 1:  # fmt: skip
        raise ValidationError(_("突增倍数应大于 1，基线 1–28 天，负面集中 N、M 至少为 1"))
    row.red_keywords = str(values.get("red_keywords", row.red_keywords))[:300]
    row.auto_open = bool(values.get("auto_open", row.auto_open))
    row.save()
    after = {k: getattr(row, k) for k in THRESHOLDS}
    audit.record(actor=by, action="opinion_settings.save", target=row, changes=audit.diff(before, after), label=_("舆情阈值"))  # fmt: skip
    return row
