"""Demo data: a fictional developer's 西安公司 with its account matrix and one user per role."""

from __future__ import annotations

import importlib
from typing import Any

from django.db import transaction

from mediadesk.core import audit, context, registry
from mediadesk.orgs import services
from mediadesk.orgs.models import Company, Organisation, Project, RoleGrant, User
from mediadesk.orgs.roles import Role

DEMO_PASSWORD = "mediadesk-demo"
ORG_NAME = "锦程置业集团（演示）"

# username, display name, role, scope ("org" | "company" | project name), phone
DEMO_USERS: list[tuple[str, str, str, str, str]] = [
    ("admin", "系统管理员", Role.ADMIN, "org", "13800000001"),
    ("manager", "王主管", Role.MANAGER, "org", "13800000002"),
    ("planner", "李策划", Role.PLANNER, "company", "13800000003"),
    ("legal", "赵法务", Role.LEGAL, "org", "13800000004"),
    ("operator", "陈运营", Role.OPERATOR, "company", "13800000005"),
    ("anchor", "周主播", Role.ANCHOR, "company", "13800000006"),
    ("service", "吴客服", Role.SERVICE, "company", "13800000007"),
    ("analyst", "郑分析", Role.ANALYST, "org", "13800000008"),
    ("sales", "孙顾问", Role.SALES, "锦程·曲江府", "13800000009"),
    ("channel", "钱渠道", Role.CHANNEL, "company", "13800000010"),
]

PROJECTS = ["锦程·曲江府", "锦程·高新云境", "锦程·浐灞湖畔"]

# Each app's demo loader, in dependency order: reviews need content, figures need posts,
# commissions need the leads' deals.
DEMO_APPS = ["content", "review", "analytics", "leads", "commissions"]


class NotDemoDatabase(Exception):
    """The database holds data that is not demo data."""


def has_foreign_data() -> bool:
    demo_names = {u[0] for u in DEMO_USERS}
    return (
        Organisation.objects.filter(is_demo=False).exists()
        or User.objects.exclude(username__in=demo_names)
        .exclude(organisation__is_demo=True)
        .exists()
    )


def _check_usernames(org: Organisation) -> None:
    taken = User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).exclude(organisation=org)
    if taken.exists():
        names = "、".join(taken.values_list("username", flat=True))
        raise NotDemoDatabase(f"演示用户名已被其他组织的用户占用：{names}")


def _bootstrap_admin(org: Organisation) -> User:
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User(
            username="admin", display_name="系统管理员", organisation=org, phone="13800000001"
        )
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        audit.record(
            actor=None, action="user.create", target=admin, changes={"username": [None, "admin"]}
        )
    if not RoleGrant.objects.filter(
        user=admin, role=Role.ADMIN, company=None, project=None
    ).exists():
        RoleGrant.objects.create(user=admin, role=Role.ADMIN, organisation=org)
        audit.record(
            actor=None, action="role.grant", target=admin, changes={"role": [None, "系统管理员"]}
        )
    return admin


@transaction.atomic
def load(*, force: bool = False) -> dict[str, Any]:
    """Create the demo organisation, users and matrix once; later runs change nothing."""
    if has_foreign_data() and not force:
        raise NotDemoDatabase
    with context.acting_from("cli"):
        org, _ = Organisation.objects.get_or_create(
            name=ORG_NAME, defaults={"brand_keyword": "锦程", "is_demo": True}
        )
        company, _ = Company.objects.get_or_create(
            organisation=org, name="西安公司", defaults={"city": "西安"}
        )
        projects = {
            name: Project.objects.get_or_create(organisation=org, company=company, name=name)[0]
            for name in PROJECTS
        }
        _check_usernames(org)
        admin = _bootstrap_admin(org)
        users = {"admin": admin}
        for username, display, role, scope, phone_number in DEMO_USERS[1:]:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = services.create_user(
                    by=admin, organisation=org, username=username, password=DEMO_PASSWORD,
                    display_name=display, phone_number=phone_number,
                )  # fmt: skip
                project = projects.get(scope)
                services.grant_role(
                    user, by=admin, role=role,
                    company=company if scope == "company" else None, project=project,
                )  # fmt: skip
            users[username] = user
        from mediadesk.matrix.demo import load_matrix
        from mediadesk.notifications.demo import load_notifications

        created = load_matrix(org=org, company=company, projects=projects, users=users)
        load_notifications(users=users)
        for app in DEMO_APPS + registry.demo_apps():
            loader = importlib.import_module(f"mediadesk.{app}.demo").load
            loader(org=org, company=company, projects=projects, users=users)
    return {"organisation": org, "users": users, "accounts_created": created}
