"""`mediadesk publish-due`: one scheduler pass (sweep, then dispatch due jobs to the worker)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from mediadesk.core import context
from mediadesk.publishing import engine


class Command(BaseCommand):
    help = "运行一次发布调度：对账超时任务并派发到点的发布任务"

    def handle(self, *args: Any, **opts: Any) -> None:
        with context.acting_from("cli"), transaction.atomic():
            swept = engine.sweep()
            dispatched = engine.dispatch()
        self.stdout.write(
            f"对账 {swept['reconciled']}，重新排队 {swept['requeued']}，"
            f"轮询 {swept['polled']}，派发 {dispatched}"
        )
