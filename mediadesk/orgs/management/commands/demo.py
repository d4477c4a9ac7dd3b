"""`mediadesk demo`: load the demo data (idempotent) and print the demo logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from mediadesk.orgs import demo
from mediadesk.orgs.roles import Role


class Command(BaseCommand):
    help = "载入演示数据（可重复运行）并打印演示账号"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="即使数据库中已有非演示数据也载入")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            result = demo.load(force=opts["force"])
        except demo.NotDemoDatabase as exc:
            raise CommandError(
                str(exc) or "数据库中已有非演示数据，未载入演示数据（确需载入请加 --force）"
            ) from None
        if result["accounts_created"]:
            self.stdout.write(f"已载入演示数据：{result['accounts_created']} 个账号")
        self.stdout.write(f"\n演示账号（密码均为 {demo.DEMO_PASSWORD}）：")
        for username, display, role, _scope, _ in demo.DEMO_USERS:
            self.stdout.write(f"  {username:<9} {display}（{Role(role).label}）")
        self.stdout.write("")
