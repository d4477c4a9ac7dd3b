"""`mediadesk createadmin`: create a user with the organisation-wide 系统管理员 role.

This is how an installation gets its first administrator, so no acting admin exists to pass
the services' permission check: the user and the grant are written here, with the same audit
entries the services write (actor 系统, source 命令行).
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from mediadesk.core import audit, context, phone
from mediadesk.orgs.models import Organisation, RoleGrant, User
from mediadesk.orgs.roles import Role
from mediadesk.orgs.services import USER_FIELDS

DEFAULT_ORGANISATION = "我的组织"


def find_organisation(name: str) -> tuple[Organisation, bool]:
    """The named organisation (created if missing), or the only one there is."""
    if name:
        return Organisation.objects.get_or_create(name=name)
    existing = list(Organisation.objects.order_by("pk")[:2])
    if len(existing) == 1:
        return existing[0], False
    if existing:
        names = "、".join(Organisation.objects.values_list("name", flat=True))
        raise CommandError(f"已有多个组织（{names}）：请用 --organisation 指定")
    return Organisation.objects.create(name=DEFAULT_ORGANISATION), True


@transaction.atomic
def create_admin(
    *, username: str, password: str, organisation: str, display_name: str, phone_number: str
) -> User:
    """Create an active user holding 系统管理员 over the whole organisation."""
    username = username.strip()
    if not username:
        raise CommandError("请用 --username 指定用户名")
    if User.objects.filter(username__iexact=username).exists():
        raise CommandError(f"用户名 {username} 已存在")
    digits = phone.normalise(phone_number)
    if digits and not phone.is_mobile(digits):
        raise CommandError("--phone 应为 11 位大陆手机号")
    if digits and User.objects.filter(phone=digits).exists():
        raise CommandError("该手机号已被其他用户使用")
    org, created = find_organisation(organisation.strip())
    if created:
        audit.record(
            actor=None, action="organisation.create", target=org, changes={"name": [None, org.name]}
        )
    user = User(
        username=username, organisation=org, display_name=display_name.strip(), phone=digits
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise CommandError("密码不符合要求：" + " ".join(exc.messages)) from None
    user.set_password(password)
    user.save()
    audit.record(
        actor=None, action="user.create", target=user, changes=audit.snapshot(user, USER_FIELDS)
    )
    grant = RoleGrant.objects.create(user=user, role=Role.ADMIN, organisation=org)
    audit.record(
        actor=None,
        action="role.grant",
        target=user,
        changes={"role": [None, grant.get_role_display()], "scope": [None, grant.scope_label]},
    )
    return user


class Command(BaseCommand):
    help = "创建系统管理员（全组织范围）；没有组织时一并创建"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", default="", help="用户名")
        parser.add_argument(
            "--password",
            default="",
            help="密码（会留在命令历史中，建议用 --password-file 或交互输入）",
        )
        parser.add_argument("--password-file", type=Path, help="从文件的第一行读取密码")
        parser.add_argument(
            "--organisation", default="", help="组织名称（不存在则创建；只有一个组织时可省略）"
        )
        parser.add_argument("--display-name", default="系统管理员", help="姓名")
        parser.add_argument("--phone", default="", help="手机号（可用于登录）")

    def handle(self, *args: Any, **opts: Any) -> None:
        username = opts["username"] or self._ask("用户名：")
        password = self._password(opts)
        with context.acting_from("cli"):
            user = create_admin(
                username=username,
                password=password,
                organisation=opts["organisation"],
                display_name=opts["display_name"],
                phone_number=opts["phone"],
            )
        self.stdout.write(f"已创建系统管理员 {user.username}（组织：{user.organisation}）")

    def _password(self, opts: dict[str, Any]) -> str:
        if opts["password"]:
            return str(opts["password"])
        if opts["password_file"]:
            try:
                lines = opts["password_file"].read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise CommandError(f"无法读取密码文件：{exc.strerror}") from None
            return lines[0] if lines else ""
        if not sys.stdin.isatty():
            raise CommandError("请用 --password 或 --password-file 提供密码")
        first = getpass.getpass("密码：")
        if getpass.getpass("再次输入密码：") != first:
            raise CommandError("两次输入的密码不一致")
        return first

    def _ask(self, prompt: str) -> str:
        if not sys.stdin.isatty():
            raise CommandError("请用 --username 指定用户名")
        return input(prompt)
