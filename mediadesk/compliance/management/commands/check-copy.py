"""`mediadesk check-copy FILE`: check a text file against the Advertising-Law lexicon.

Exit status: 0 no block finding, 1 at least one block finding, 2 unreadable input or bad
arguments. `--json` prints the API's answer shape ({"passed", "findings"}).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from mediadesk.compliance import queries, services
from mediadesk.compliance.rules import Category, Finding, Industry, Severity
from mediadesk.core import context
from mediadesk.core.excel import decode_csv
from mediadesk.orgs.models import Organisation

UNREADABLE = 2


def read_text(path: Path) -> str:
    """The file's text, UTF-8 or GB18030, with or without a byte-order mark."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        message = f"无法读取文件 {path}：{exc.strerror or exc}"
        raise CommandError(message, returncode=UNREADABLE) from None
    try:
        text = decode_csv(data)
    except ValidationError:
        raise CommandError(
            f"无法识别文件 {path} 的编码：请保存为 UTF-8 或 GB18030", returncode=UNREADABLE
        ) from None
    return text.removeprefix("\ufeff")  # GB18030's byte-order mark decodes to U+FEFF


def find_organisation(value: str | None) -> Organisation | None:
    """--org by id or name; without it the only organisation, if there is exactly one."""
    if value is None:
        only = list(Organisation.objects.all()[:2])
        return only[0] if len(only) == 1 else None
    lookup = {"pk": int(value)} if value.isdigit() else {"name": value}
    found = Organisation.objects.filter(**lookup).first()
    if found is None:
        raise CommandError(f"找不到组织：{value}", returncode=UNREADABLE)
    return found


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of an offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def describe(text: str, finding: Finding) -> str:
    """One human-readable Chinese line for a finding."""
    line, column = position(text, finding.start)
    severity = (
        Severity(finding.severity).label
        if finding.severity in Severity.values
        else finding.severity
    )
    category = (
        Category(finding.category).label
        if finding.category in Category.values
        else finding.category
    )
    parts = [
        f"第{line}行第{column}列（{finding.start}–{finding.end}）[{severity}] “{finding.snippet}”",
        f"{finding.message or category}",
    ]
    if finding.suggestion:
        parts.append(f"建议：{finding.suggestion}")
    if finding.basis:
        parts.append(f"依据：{finding.basis}")
    return "  ".join(parts)


class Command(BaseCommand):
    help = "按广告法词库检查文案文件（UTF-8 或 GB18030）；有“禁止”级问题时退出码为 1，无法读取为 2"
    # A quick checking tool: skip the project-wide system checks (URLs, models) on every run.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path, help="文案文件")
        parser.add_argument("--json", action="store_true", help="输出 JSON（与 API 相同的结构）")
        parser.add_argument("--platform", help="平台代码，如 douyin（检查标题长度及平台规则）")
        parser.add_argument("--industry", choices=Industry.values, help="行业（默认按房地产规则）")
        parser.add_argument("--org", help="组织 id 或名称（默认：唯一的组织，否则仅用默认词库）")

    def handle(self, *args: Any, **opts: Any) -> None:
        text = read_text(opts["file"])
        platform = opts["platform"]
        if platform and not queries.known_platform(platform):
            raise CommandError(f"未知的平台代码：{platform}", returncode=UNREADABLE)
        with context.acting_from("cli"):
            organisation = find_organisation(opts["org"])
            findings = services.check_text(
                text, organisation=organisation, platform=platform, industry=opts["industry"]
            )
        if opts["json"]:
            self.stdout.write(
                json.dumps(queries.check_result(findings), ensure_ascii=False, indent=2)
            )
        else:
            self._print(text, findings, organisation)
        if services.has_block(findings):
            raise SystemExit(1)

    def _print(self, text: str, findings: list[Finding], organisation: Organisation | None) -> None:
        source = f"{organisation.name} 的词库" if organisation else "默认词库"
        if not findings:
            self.stdout.write(f"未发现问题（{source}）")
            return
        for finding in findings:
            self.stdout.write(describe(text, finding))
        counts = {s: sum(f.severity == s for f in findings) for s in Severity.values}
        self.stdout.write(
            f"共 {len(findings)} 处（{source}）：禁止 {counts['block']}，提示 {counts['warn']}，参考 {counts['info']}"
        )
