"""Private-domain metrics (capability 9): members, net growth, 30-day active rate, wake-up rate
and 复购率, computed by `mediadesk.private.queries.figures_between` for the goal's period."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mediadesk.planning.metrics import Metric, Scope, register

SOURCE = _("私域：用户、活跃、唤醒与复购")


def _figures(org_id: int, start: dt.date, end: dt.date) -> dict[str, Any]:
    from mediadesk.orgs.models import Organisation
    from mediadesk.private.queries import figures_between

    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    until = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return figures_between(Organisation.objects.get(pk=org_id), since, until)


def _percent(rate: dict[str, Any]) -> Decimal | None:
    if not rate["denominator"]:
        return None
    return (Decimal(rate["numerator"]) * 100 / rate["denominator"]).quantize(Decimal("0.0001"))


def members(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal:
    return Decimal(_figures(org_id, start, end)["members"])


def net_growth(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal:
    return Decimal(_figures(org_id, start, end)["net_growth"])


def _rate_of(key: str) -> Any:
    def actual(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal | None:
        return _percent(_figures(org_id, start, end)[key])

    return actual


register(
    Metric("private_members", _("私域用户数"), SOURCE, _("人"), members, kind="level", scopes=()),
    Metric("private_net_growth", _("私域净增"), SOURCE, _("人"), net_growth, scopes=()),
    Metric("private_active_rate", _("30 天活跃率"), SOURCE, "%", _rate_of("active_rate"),
           kind="level", scopes=()),
    Metric("private_wake_up_rate", _("唤醒率"), SOURCE, "%", _rate_of("wake_up_rate"),
           kind="level", scopes=()),
    Metric("private_repurchase_rate", _("复购率"), SOURCE, "%", _rate_of("repurchase_rate"),
           kind="level", scopes=()),
)  # fmt: skip
