"""Periodic jobs of the core."""

from __future__ import annotations

from datetime import datetime, timedelta

from mediadesk.core.periodic import periodic


@periodic("core.prune_login_attempts", every=timedelta(hours=1), label="清理过期的登录失败记录")
def prune_login_attempts(slot: datetime) -> int:
    from mediadesk.orgs.models import LoginAttempt

    deleted, _ = LoginAttempt.objects.filter(at__lt=slot - timedelta(days=1)).delete()
    return deleted
