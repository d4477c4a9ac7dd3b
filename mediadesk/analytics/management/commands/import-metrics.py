"""`mediadesk import-metrics FILE --platform P [--kind K] [--preset NAME] [--dry-run]`: import a
metrics export (post snapshots, or account / mini-program daily figures with --kind) from the
command line with the same validation and report as the import pages.
Exits 1 when rows were rejected (the valid rows are still imported unless --dry-run)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from mediadesk.analytics import daily, imports, presets, services
from mediadesk.analytics.models import ImportKind, ImportPreset
from mediadesk.core import context
from mediadesk.matrix.models import Platform
from mediadesk.orgs.models import User

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "从平台导出的 CSV/Excel 导入数据快照（与网页导入相同的校验与报告；有错误行时退出码为 1）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help=gettext("CSV（UTF-8/GB18030）或 .xlsx 文件"))
        parser.add_argument(
            "--platform", required=True, help=gettext("平台代码，如 wechat_mp、douyin")
        )
        parser.add_argument(
            "--kind",
            default="",
            choices=["", *ImportKind.values],
            help=gettext(
                "数据类型：snapshots（默认）、account_daily、mini_daily；内置预设会自带类型"
            ),
        )
        parser.add_argument(
            "--preset", default="", help=gettext("预设代码或名称（默认按表头自动识别）")
        )
        parser.add_argument(
            "--account", default="", help=gettext("账号名称或平台账号ID（文件无“账号”列时）")
        )
        parser.add_argument(
            "--as-of", default="", help=gettext("数据截至时间（文件无“统计时间”列时），默认现在")
        )
        parser.add_argument(
            "--user",
            default=os.environ.get("MEDIADESK_USER", ""),
            help=gettext("以该用户身份导入（默认 $MEDIADESK_USER）"),
        )
        parser.add_argument(
            "--accept-fuzzy", action="store_true", help=gettext("接受按标题+发布日期的模糊匹配")
        )
        parser.add_argument("--dry-run", action="store_true", help=gettext("只校验并报告，不写入"))

    def handle(self, *args: Any, **opts: Any) -> None:
        with context.acting_from("cli"):
            try:
                report = self._run(opts)
            except (ValidationError, PermissionDenied) as exc:
                raise CommandError("；".join(getattr(exc, "messages", [str(exc)]))) from None
        if report.errors:
            sys.exit(1)

    def _run(self, opts: dict[str, Any]) -> services.Report:
        user = _user(opts["user"])
        platform = Platform.objects.filter(code=opts["platform"]).first()
        if platform is None:
            raise CommandError(gettext("未知的平台代码：%(code)s") % {"code": opts["platform"]})
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(gettext("找不到文件：%(path)s") % {"path": path})
        data = path.read_bytes()
        headers, rows = imports.iter_table(data, path.name)
        total = sum(1 for _ in rows)
        kind, name, mapping = _mapping(opts["preset"], opts["kind"], headers, platform, user)
        batch = services.start_batch(
            by=user,
            platform=platform,
            account=_account(opts["account"], user, platform),
            as_of=_as_of(opts["as_of"]),
            filename=path.name[:200],
            total_rows=total,
            preset=name,
            sha256=hashlib.sha256(data).hexdigest(),
            mapping=mapping,
            persist=not opts["dry_run"],
            kind=kind,
        )
        ctx = services.Context(
            user=user,
            batch=batch,
            columns=imports.columns_of(mapping),
            accept_fuzzy=opts["accept_fuzzy"],
        )
        headers, rows = imports.iter_table(data, path.name)
        raw = imports.raw_rows(headers, rows, mapping)
        if kind == ImportKind.SNAPSHOTS:
            report = services.validate(raw, ctx, on_progress=self._bar(total))
        else:
            report = daily.validate(kind, raw, ctx, on_progress=self._bar(total))
        self.stderr.write("")
        if not opts["dry_run"]:
            if kind == ImportKind.SNAPSHOTS:
                services.write(report, ctx)
            else:
                daily.write(kind, report, ctx)
        self._report(report, name, dry_run=opts["dry_run"], kind=kind)
        return report

    def _bar(self, total: int) -> Any:
        def show(done: int) -> bool:
            filled = BAR_WIDTH * done // max(total, 1)
            percent = 100 * done // max(total, 1)
            self.stderr.write(
                f"\r[{'#' * filled}{' ' * (BAR_WIDTH - filled)}] {percent:3d}% "
                + gettext("%(done)s/%(total)s 行") % {"done": done, "total": total},
                ending="",
            )
            self.stderr.flush()
            return True

        return show

    def _report(self, report: services.Report, preset: str, *, dry_run: bool, kind: str) -> None:
        out = self.stdout.write
        out(
            gettext("预设：%(preset)s；共 %(total)s 行，可导入 %(valid)s 行，错误 %(errors)s 行")
            % {
                "preset": gettext(preset),
                "total": report.total,
                "valid": len(report.rows),
                "errors": report.rejected_rows,
            }
        )
        for number, post, label in report.fuzzy:
            state = (
                gettext("已接受")
                if number not in report.skipped
                else gettext("未导入（加 --accept-fuzzy 接受）")
            )
            out(
                gettext("第 %(row)s 行：按标题模糊匹配到发布 #%(post)s %(label)s，%(state)s")
                % {"row": number, "post": post, "label": label, "state": state}
            )
        for message in report.messages():
            out(message)
        if dry_run:
            out(gettext("试运行：未写入。将新建计划外发布 %(n)s 条") % {"n": report.new_posts})
        elif kind != ImportKind.SNAPSHOTS:
            out(
                gettext("新增 %(created)s 天，更新 %(updated)s 天，未变化 %(unchanged)s 天")
                % {
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                }
            )
        else:
            out(
                gettext(
                    "新增快照 %(created)s，更新 %(updated)s，未变化 %(unchanged)s，"
                    "新建计划外发布 %(unplanned)s"
                )
                % {
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "unplanned": report.unplanned,
                }
            )


def _user(username: str) -> User:
    users = User.objects.filter(is_active=True, organisation__isnull=False)
    user = users.filter(username=username).first() if username else None
    if user is None and not username:
        user = users.filter(is_superuser=True).order_by("pk").first()
    if user is None:
        raise CommandError(gettext("请用 --user 指定导入人（或设置 MEDIADESK_USER）"))
    return user


def _mapping(
    preset: str, kind: str, headers: list[str], platform: Platform, user: User
) -> tuple[str, str, dict[str, str]]:
    """(kind, preset name, mapping): a built-in preset brings its kind; else --kind."""
    if not preset:
        kind = kind or ImportKind.SNAPSHOTS
        chosen = presets.guess(headers, platform.code, kind)
        return kind, chosen.name, presets.apply(chosen.mapping, headers, kind)
    builtin = next((p for p in presets.BUILTIN.values() if preset in (p.code, p.name)), None)
    if builtin is not None:
        return builtin.kind, builtin.name, presets.apply(builtin.mapping, headers, builtin.kind)
    saved = ImportPreset.objects.filter(organisation=user.organisation, name=preset).first()
    if saved is None:
        codes = "、".join(presets.BUILTIN)
        raise CommandError(
            gettext("未知的预设：%(preset)s（内置：%(codes)s，或已保存的预设名称）")
            % {"preset": preset, "codes": codes}
        )
    kind = kind or ImportKind.SNAPSHOTS
    return kind, saved.name, presets.apply(saved.mapping, headers, kind)


def _account(text: str, user: User, platform: Platform) -> Any:
    if not text:
        return None
    assert user.organisation is not None
    for account in services.importable_accounts(user, user.organisation, platform):
        if text in (account.name, account.platform_account_id):
            return account
    raise CommandError(
        gettext("找不到%(platform)s账号“%(name)s”，或没有该账号的导入权限")
        % {"platform": platform, "name": text}
    )


def _as_of(text: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        return services.parse_time(text)
    except services.CellError as exc:
        raise CommandError(f"--as-of：{exc}") from None
