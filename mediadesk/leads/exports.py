"""Excel export of the lead list: audited; phones in full only where the user is entitled."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import BooleanField, Case, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit, phone, scopes
from mediadesk.leads.models import Opportunity
from mediadesk.orgs.roles import Perm

HEADERS = [
    gettext_lazy("客户"), gettext_lazy("手机号"), gettext_lazy("项目"), gettext_lazy("阶段"), gettext_lazy("意向"), gettext_lazy("首次来源"), gettext_lazy("归属渠道"), gettext_lazy("置业顾问"), gettext_lazy("分配时间"),
    gettext_lazy("首次联系"), gettext_lazy("首联超时"), gettext_lazy("最近跟进"), gettext_lazy("下次联系"), gettext_lazy("在公海"), gettext_lazy("进入公海原因"), gettext_lazy("创建时间"),
]  # fmt: skip
LIMIT = 50_000


def stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


def with_entitlement(qs: QuerySet[Opportunity], user: Any) -> QuerySet[Opportunity]:
    """Annotate each row with whether `user` may see its full number (leads.phone in scope)."""
    return qs.annotate(
        phone_entitled=Case(
            When(scopes.scope_q(user, Perm.LEADS_PHONE), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def _when(value: Any) -> Any:
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def rows(qs: QuerySet[Opportunity], user: Any) -> Iterator[list[Any]]:
    for o in with_entitlement(qs, user)[:LIMIT].iterator(chunk_size=1000):
        full = o.phone_entitled or o.consultant_id == user.pk  # type: ignore[attr-defined]
        number = o.customer.phone if full else phone.mask(o.customer.phone)
        yield [
            o.customer.name, number, o.project.name, o.get_stage_display(), o.intent,
            o.get_source_display(), o.channel.name if o.channel else "",
            str(o.consultant) if o.consultant else "", _when(o.assigned_at),
            _when(o.first_contact_at), _("是") if o.sla_breached_at else "", _when(o.last_follow_at),
            _when(o.next_contact_at), _("是") if o.in_pool else "", o.pool_reason, _when(o.created_at),
        ]  # fmt: skip


def record_export(user: Any, *, count_hint: str, params: str) -> None:
    """Every export is audited (who, which filters) against the exporting user."""
    audit.record(
        actor=user,
        action="lead.export",
        target=user,
        changes={"filters": [None, params or _("全部")], "limit": [None, count_hint]},
    )
