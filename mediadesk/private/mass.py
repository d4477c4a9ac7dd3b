"""群发 through WeCom's message-template API (add_msg_template): checked for compliance and for
the per-customer monthly limit before anything is sent; WeCom only creates a task that the
employee confirms in their client, so results are pulled back (created → delivered/failed)
and employees who have not sent are reminded (at most 3 times a day, as WeCom allows)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.core import audit
from mediadesk.core.errors import Conflict
from mediadesk.private import queries
from mediadesk.private.models import (
    MassRecipient,
    MassSend,
    Member,
    Segment,
    WakeUpPlan,
    WeComFollow,
    WeComSettings,
)
from mediadesk.private.wecom import Client, WeComError

log = logging.getLogger(__name__)

TASK_SENT = 2  # get_groupmsg_task status: 已发送
# add_msg_template takes at most 10,000 external_userid per call; get_groupmsg_send_result
# answers at most 1,000 rows a page (next_cursor for the rest).
MAX_RECIPIENTS, RESULT_PAGE, MAX_RESULT_PAGES = 10_000, 1_000, 100
DELIVERED, NOT_FRIEND, GOT_OTHER = 1, 2, 3  # get_groupmsg_send_result status
REMINDERS_PER_DAY = 3


def month_window(now: datetime) -> tuple[datetime, datetime]:
    """The local calendar month around `now`: its start and the next month's start."""
    local = timezone.localtime(now)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return start, (start + timedelta(days=32)).replace(day=1)


def day_window(now: datetime) -> tuple[datetime, datetime]:
    """The local day around `now`: its start and the next day's start."""
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def _received_since(members: list[Member], since: datetime) -> dict[int, int]:
    return dict(
        MassRecipient.objects.filter(member__in=members, at__gte=since)
        .values("member")
        .annotate(n=Count("id"))
        .values_list("member", "n")
    )


def blocked(
    members: list[Member], *, monthly: int, daily: int = 0, now: datetime
) -> dict[int, date]:
    """Members at a per-customer limit (0 = no limit) → the first local day another 群发
    to them is allowed."""
    month_start, month_end = month_window(now)
    day_start, day_end = day_window(now)
    in_month = _received_since(members, month_start)
    today = _received_since(members, day_start) if daily else {}
    out: dict[int, date] = {}
    for m in members:
        if monthly and in_month.get(m.pk, 0) >= monthly:
            out[m.pk] = month_end.date()
        elif daily and today.get(m.pk, 0) >= daily:
            out[m.pk] = day_end.date()
    return out


def check_limit(
    members: list[Member], *, monthly: int, daily: int = 0, now: datetime | None = None
) -> None:
    """Refuse a 群发 that would exceed the per-customer limits; say when it is next allowed."""
    now = now or timezone.now()
    over = blocked(members, monthly=monthly, daily=daily, now=now)
    if over:
        names = "、".join(str(m) for m in members if m.pk in over)
        limits = (
            _("每日 %(daily)s 条，每月 %(monthly)s 条") % {"daily": daily, "monthly": monthly}
            if daily
            else _("每月 %(monthly)s 条") % {"monthly": monthly}
        )
        raise Conflict(
            _("%(n)s 位客户已达群发上限（%(limits)s）：%(names)s；最早可于 %(date)s 再发")
            % {
                "n": len(over),
                "limits": limits,
                "names": names[:200],
                "date": f"{max(over.values()):%Y-%m-%d}",
            }
        )


def check_text(org_id: int, text: str, *, field: str = "text") -> None:
    """A 群发 text must not be empty nor carry a blocking Advertising-Law finding."""
    from mediadesk.compliance import services as compliance

    if not text.strip():
        raise ValidationError({field: [_("群发内容不能为空")]})
    findings = compliance.check_text(text, organisation=org_id)
    if compliance.has_block(findings):
        words = "、".join(f.term for f in findings if f.severity == "block")
        raise ValidationError({field: [_("群发内容含违规用语：%(w)s") % {"w": words}]})


def recipients(segment: Segment, sender: str) -> list[tuple[Member, str]]:
    """The segment's members the employee `sender` has as WeCom contacts (member, external id)."""
    members = queries.apply_rules(
        Member.objects.filter(organisation_id=segment.organisation_id, merged_into=None),
        segment.rules,
    )
    follows = WeComFollow.objects.filter(
        organisation_id=segment.organisation_id,
        userid=sender,
        removed_at=None,
        member__in=members,
    ).select_related("member")
    return [(f.member, f.external_userid) for f in follows]


def create(segment: Segment, *, text: str, sender: str, by: Any) -> MassSend:
    """Check and create a 群发 to the segment through `sender`; nothing is written if refused."""
    cfg = WeComSettings.objects.filter(organisation_id=segment.organisation_id).first()
    if cfg is None:
        raise ValidationError({"sender": [_("未配置企业微信，不能群发")]})
    check_text(segment.organisation_id, text)
    targets = recipients(segment, sender)
    if not targets:
        raise ValidationError({"sender": [_("该分组中没有此员工的企业微信客户")]})
    if len(targets) > MAX_RECIPIENTS:
        raise ValidationError({"segment": [
            _("企业微信单次群发最多 %(max)s 位客户，该员工在此分组中有 %(n)s 位：请缩小分组后再发")
            % {"max": f"{MAX_RECIPIENTS:,}", "n": f"{len(targets):,}"}
        ]})  # fmt: skip
    (send,) = _send(cfg, targets, text=text, sender=sender, by=by, segment=segment)
    return send


@transaction.atomic
def _send(
    cfg: WeComSettings,
    targets: list[tuple[Member, str]],
    *,
    text: str,
    sender: str,
    by: Any,
    segment: Segment | None = None,
    plan: WakeUpPlan | None = None,
) -> list[MassSend]:
    """Send under the organisation's lock, so two sends at once both see each other's
    recipients in the limit count. A segment send is refused whole when anyone is at a limit;
    a wake-up send leaves those members out (nothing when nobody is left). More customers than
    one call takes go out as several 群发; if WeCom fails after the first, those created are
    kept and the rest stay unreached, as when WeCom is down for the whole send."""
    WeComSettings.objects.select_for_update().filter(pk=cfg.pk).first()
    now = timezone.now()
    members = [m for m, _e in targets]
    if plan is None:
        check_limit(members, monthly=cfg.monthly_limit, daily=cfg.daily_limit, now=now)
    else:
        over = blocked(members, monthly=cfg.monthly_limit, daily=cfg.daily_limit, now=now)
        targets = [(m, e) for m, e in targets if m.pk not in over]
        if not targets:
            return []
    sends: list[MassSend] = []
    for i in range(0, len(targets), MAX_RECIPIENTS):
        chunk = targets[i : i + MAX_RECIPIENTS]
        try:
            sends.append(_create(cfg, chunk, text=text, sender=sender, by=by,
                                 segment=segment, plan=plan, now=now))  # fmt: skip
        except WeComError:
            if not sends:
                raise
            log.warning("群发 %s stopped after %d chunks", plan or segment, len(sends))
            break
    return sends


def _create(
    cfg: WeComSettings,
    targets: list[tuple[Member, str]],
    *,
    text: str,
    sender: str,
    by: Any,
    segment: Segment | None,
    plan: WakeUpPlan | None,
    now: datetime,
) -> MassSend:
    """One add_msg_template call (≤ MAX_RECIPIENTS customers) and its recorded recipients."""
    answer = Client(cfg).post(
        "/cgi-bin/externalcontact/add_msg_template",
        {
            "chat_type": "single",
            "external_userid": [e for _m, e in targets],
            "sender": sender,
            "text": {"content": text},
        },
    )
    failed = set(answer.get("fail_list", []))
    send = MassSend.objects.create(
        organisation_id=cfg.organisation_id, segment=segment, plan=plan, text=text,
        sender=sender, msgid=answer["msgid"], created_by=by,
    )  # fmt: skip
    MassRecipient.objects.bulk_create(
        MassRecipient(
            send=send,
            member=m,
            external_userid=e,
            at=now,
            status="failed" if e in failed else "created",
        )
        for m, e in targets
    )
    audit.record(
        actor=by,
        action="private.mass_create",
        target=send,
        changes={"recipients": [None, len(targets)],
                 "segment": [None, segment.name if segment else str(plan)]},
    )  # fmt: skip
    return send


def wake_up(plan: WakeUpPlan, member_ids: Any) -> list[int]:
    """Channel 群发 of a wake-up plan: one 群发 per employee to the silent members they have
    as WeCom contacts, leaving out members at a limit. `member_ids`: ids or a subquery.
    Returns the members reached."""
    cfg = WeComSettings.objects.filter(organisation_id=plan.organisation_id).first()
    if cfg is None or not plan.content.strip():
        return []
    by_sender: dict[str, list[tuple[Member, str]]] = {}
    follows = (
        WeComFollow.objects.filter(
            organisation_id=plan.organisation_id, removed_at=None, member_id__in=member_ids
        )
        .select_related("member")
        .order_by("member_id", "id")
    )
    seen: set[int] = set()
    for f in follows:
        if f.member_id not in seen:  # one employee per member: the first who added them
            seen.add(f.member_id)
            by_sender.setdefault(f.userid, []).append((f.member, f.external_userid))
    reached: list[int] = []
    for sender, targets in sorted(by_sender.items()):
        sends = _send(cfg, targets, text=plan.content, sender=sender, by=None, plan=plan)
        recorded = MassRecipient.objects.filter(send__in=sends)
        reached += list(recorded.values_list("member_id", flat=True))
    return reached


@transaction.atomic
def pull(send: MassSend) -> dict[str, int]:
    """Pull the task status and per-customer results back from WeCom."""
    cfg = WeComSettings.objects.get(organisation_id=send.organisation_id)
    client = Client(cfg)
    tasks = client.post("/cgi-bin/externalcontact/get_groupmsg_task", {"msgid": send.msgid})
    if any(t.get("status") == TASK_SENT for t in tasks.get("task_list", [])):
        send.status = MassSend.Status.CONFIRMED
    status = _results(client, send)
    now = timezone.now()
    changed = []
    for r in send.recipients.filter(status="created"):
        code = status.get(r.external_userid, 0)
        if code:
            r.status = "delivered" if code == DELIVERED else "failed"
            r.delivered_at = now if code == DELIVERED else None
            changed.append(r)
    MassRecipient.objects.bulk_update(changed, ["status", "delivered_at"], batch_size=1000)
    send.pulled_at = now
    send.save(update_fields=["status", "pulled_at"])
    return counts(send)


def _results(client: Client, send: MassSend) -> dict[str, int]:
    """Every page of the per-customer results (external_userid → status)."""
    status: dict[str, int] = {}
    cursor = ""
    for _page in range(MAX_RESULT_PAGES):
        body = {"msgid": send.msgid, "userid": send.sender, "limit": RESULT_PAGE}
        answer = client.post(
            "/cgi-bin/externalcontact/get_groupmsg_send_result",
            {**body, "cursor": cursor} if cursor else body,
        )
        status.update(
            {r["external_userid"]: int(r.get("status", 0)) for r in answer.get("send_list", [])}
        )
        cursor = str(answer.get("next_cursor") or "")
        if not cursor:
            break
    return status


def counts(send: MassSend) -> dict[str, int]:
    """Recipients by status (created, delivered, failed)."""
    rows = send.recipients.values("status").annotate(n=Count("id")).values_list("status", "n")
    return {"created": 0, "delivered": 0, "failed": 0, **dict(rows)}


def remind(send: MassSend, *, by: Any, now: datetime | None = None) -> None:
    """Remind the employee to confirm the 群发 (WeCom: ≤ 3 reminders per 24 h)."""
    if send.status == MassSend.Status.CONFIRMED:
        raise Conflict(_("员工已确认发送，无需提醒"))
    now = now or timezone.now()
    since = now - timedelta(hours=24)
    recent = [t for t in send.reminders if datetime.fromisoformat(t) > since]
    if len(recent) >= REMINDERS_PER_DAY:
        raise Conflict(_("24 小时内最多提醒 3 次"))
    cfg = WeComSettings.objects.get(organisation_id=send.organisation_id)
    Client(cfg).post("/cgi-bin/externalcontact/remind_groupmsg_send", {"msgid": send.msgid})
    send.reminders = [*send.reminders, now.isoformat()]
    send.save(update_fields=["reminders"])
    audit.record(actor=by, action="private.mass_remind", target=send, changes={})
