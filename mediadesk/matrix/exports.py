"""Excel exports of the matrix: the account list (import columns, phone masked) and the standards report."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

from mediadesk.core import phone
from mediadesk.matrix import imports, rules
from mediadesk.matrix.models import Account

# The import columns first, so an export can be edited and imported elsewhere.
ACCOUNT_HEADERS = [header for header, _ in imports.COLUMNS] + [
    "ID",
    gettext_lazy("创建时间"),
    gettext_lazy("更新时间"),
]
STANDARDS_HEADERS = [
    gettext_lazy("账号"),
    gettext_lazy("平台"),
    gettext_lazy("层级"),
    gettext_lazy("城市公司"),
    gettext_lazy("项目"),
    gettext_lazy("负责人"),
    gettext_lazy("级别"),
    gettext_lazy("规则代码"),
    gettext_lazy("问题"),
]
SEVERITY_LABELS = {
    "error": gettext_lazy("错误"),
    "warning": gettext_lazy("警告"),
    "info": gettext_lazy("提示"),
}


def _user(user: Any) -> str:
    return user.label if user is not None else ""


def _cell(account: Account, key: str) -> Any:
    if key == "level":
        return account.get_level_display()
    if key in ("verification", "status"):
        return getattr(account, f"get_{key}_display")()
    if key in ("custodian", "backup_custodian"):
        return _user(getattr(account, key))
    if key == "bound_phone":
        return phone.mask(account.bound_phone)
    if key in ("platform", "parent", "company", "project"):
        related = getattr(account, key)
        return related.name if related is not None else ""
    value = getattr(account, key)
    return "" if value is None else value


def account_rows(accounts: Iterable[Account]) -> Iterator[list[Any]]:
    """One row per account in ACCOUNT_HEADERS order."""
    for account in accounts:
        yield [_cell(account, key) for _, key in imports.COLUMNS] + [
            account.pk,
            account.created_at,
            account.updated_at,
        ]


def standards_rows(report: Sequence[tuple[Account, list[rules.Finding]]]) -> Iterator[list[Any]]:
    """One row per finding in STANDARDS_HEADERS order."""
    for account, findings in report:
        for finding in findings:
            yield [
                account.name, account.platform.name, account.get_level_display(),
                account.company.name if account.company else "",
                account.project.name if account.project else "", _user(account.custodian),
                str(SEVERITY_LABELS.get(finding.severity, finding.severity)), finding.code, finding.message,
            ]  # fmt: skip


def stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")
