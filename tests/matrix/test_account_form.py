"""Create/edit form: permissions, choices, service errors on fields, image uploads."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mediadesk.core.models import AuditEntry
from mediadesk.matrix.models import Account
from tests.conftest import World, audit_actions
from tests.matrix.conftest import EXE_BYTES, Matrix, image_bytes, platform

pytestmark = pytest.mark.django_db


def form_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "platform": platform("douyin").pk,
        "name": "锦程曲江府-阿杰",
        "level": 3,
        "status": "active",
        "verification": "personal",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def edit_data(account: Account, **changes: Any) -> dict[str, Any]:
    data = {
        "platform": account.platform_id, "name": account.name, "level": account.level,
        "parent": account.parent_id or "", "company": account.company_id or "",
        "project": account.project_id or "", "custodian": account.custodian_id or "",
        "status": account.status, "verification": account.verification, "bio": account.bio,
    }  # fmt: skip
    data.update(changes)
    return data


def test_anonymous_users_are_sent_to_login(client: Any) -> None:
    response = client.get(reverse("matrix:create"))
    assert response.status_code == 302 and "/login/" in response.url


@pytest.mark.parametrize("persona", ["sales_a", "planner", "channel"])
def test_sales_and_viewers_get_403_on_create(world: World, login: Any, persona: str) -> None:
    client = login(world.users[persona])
    assert client.get(reverse("matrix:create")).status_code == 403
    assert client.post(reverse("matrix:create"), form_data()).status_code == 403
    assert not Account.objects.exists()


@pytest.mark.parametrize("persona", ["sales_a", "planner"])
def test_sales_and_viewers_get_403_on_edit(
    world: World, login: Any, matrix: Matrix, persona: str
) -> None:
    client = login(world.users[persona])
    url = reverse("matrix:edit", args=[matrix.sales_a_acc.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, edit_data(matrix.sales_a_acc, name="改名")).status_code == 403
    assert Account.objects.get(pk=matrix.sales_a_acc.pk).name == "锦程曲江府-小孙"


def test_editing_an_account_of_another_scope_is_404(
    world: World, login: Any, matrix: Matrix
) -> None:
    client = login(world.operator_cd)
    url = reverse("matrix:edit", args=[matrix.qujiang.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, edit_data(matrix.qujiang, name="锦程被改名")).status_code == 404
    matrix.qujiang.refresh_from_db()
    assert matrix.qujiang.name != "锦程被改名"
    assert audit_actions("account", matrix.qujiang.pk) == ["account.create"]


def test_an_operator_creates_an_account_in_their_company(
    world: World, login: Any, matrix: Matrix
) -> None:
    response = login(world.operator).post(
        reverse("matrix:create"),
        form_data(
            parent=matrix.qujiang.pk, project=world.qujiang.pk, custodian=world.sales_a.pk,
            bound_phone="+86 138-0000-1234", bio="曲江府阿杰，私信预约看房", followers=1200,
            opened_on="2024-03-01",
        ),
    )  # fmt: skip
    assert response.status_code == 302
    account = Account.objects.get(name="锦程曲江府-阿杰")
    assert response.url == reverse("matrix:detail", args=[account.pk])
    assert (account.parent, account.project, account.company) == (
        matrix.qujiang, world.qujiang, world.xian,
    )  # fmt: skip
    assert account.bound_phone == "13800001234"
    assert account.followers == 1200 and str(account.opened_on) == "2024-03-01"
    entry = AuditEntry.objects.get(action="account.create", target_id=str(account.pk))
    assert entry.actor == world.operator and entry.source == "web"
    assert entry.changes["bound_phone"] == [None, "138****1234"]


def test_choices_are_limited_to_the_users_scope(world: World, login: Any, matrix: Matrix) -> None:
    form = login(world.operator).get(reverse("matrix:create")).context["form"]
    assert set(form.fields["project"].queryset) == {world.qujiang, world.yunjing}
    assert set(form.fields["company"].queryset) == {world.xian}
    parents = {a for _, accounts in form.parent_groups() for a in accounts}
    assert parents == {matrix.brand, matrix.qujiang}  # visible level 1/2 only, not 天府
    assert world.outsider not in set(form.fields["custodian"].queryset)


def test_a_project_outside_the_users_scope_is_rejected(world: World, login: Any) -> None:
    response = login(world.operator).post(
        reverse("matrix:create"), form_data(project=world.tianfu.pk)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["project"]
    assert not Account.objects.exists()


def test_service_errors_show_on_the_form_fields(world: World, login: Any, matrix: Matrix) -> None:
    client = login(world.manager)
    response = client.post(reverse("matrix:create"), form_data(parent=matrix.brand.pk))
    assert response.status_code == 200
    assert response.context["form"].errors["parent"] == ["3级账号的上级必须是2级账号"]
    assert "3级账号的上级必须是2级账号" in response.content.decode()
    response = client.post(reverse("matrix:create"), form_data(bound_phone="12345"))
    assert response.context["form"].errors["bound_phone"] == ["绑定手机应为 11 位大陆手机号"]
    assert not Account.objects.filter(name="锦程曲江府-阿杰").exists()


def test_editing_saves_changes_with_an_audit_diff(world: World, login: Any, matrix: Matrix) -> None:
    account = matrix.qujiang
    response = login(world.operator).post(
        reverse("matrix:edit", args=[account.pk]), edit_data(account, bio="曲江府官方号，私信预约")
    )
    assert response.status_code == 302
    assert Account.objects.get(pk=account.pk).bio == "曲江府官方号，私信预约"
    assert Account.objects.get(pk=account.pk).bound_phone == "13812345678"  # left blank = kept
    entry = AuditEntry.objects.filter(action="account.update", target_id=str(account.pk)).get()
    assert entry.changes == {"bio": ["", "曲江府官方号，私信预约"]}


def test_editing_can_clear_the_bound_phone(world: World, login: Any, matrix: Matrix) -> None:
    account = matrix.qujiang
    client = login(world.operator)
    client.post(
        reverse("matrix:edit", args=[account.pk]), edit_data(account, clear_bound_phone="on")
    )
    assert Account.objects.get(pk=account.pk).bound_phone == ""


def test_an_avatar_upload_is_stored_and_audited(world: World, login: Any, matrix: Matrix) -> None:
    account = matrix.qujiang
    upload = SimpleUploadedFile("头像.jpg", image_bytes("PNG"), content_type="image/jpeg")
    response = login(world.operator).post(
        reverse("matrix:edit", args=[account.pk]), {**edit_data(account), "avatar": upload}
    )
    assert response.status_code == 302
    saved = Account.objects.get(pk=account.pk)
    assert saved.avatar.name.startswith("accounts/avatars/") and saved.avatar.name.endswith(".png")
    assert saved.avatar.read() == image_bytes("PNG")
    assert audit_actions("account", account.pk)[-1] == "account.update"


@pytest.mark.parametrize(
    "upload,message",
    [
        (lambda: SimpleUploadedFile("avatar.png", EXE_BYTES, "image/png"), "不是有效的图片"),
        (
            lambda: SimpleUploadedFile("avatar.png", image_bytes() + b"\0" * (50 * 1024 * 1024)),
            "文件过大",
        ),
    ],
    ids=["renamed-exe", "50MB"],
)
def test_a_bad_avatar_gets_a_clear_error_and_changes_nothing(
    world: World, login: Any, matrix: Matrix, upload: Any, message: str
) -> None:
    account = matrix.qujiang
    before = audit_actions("account", account.pk)
    response = login(world.operator).post(
        reverse("matrix:edit", args=[account.pk]),
        {**edit_data(account, bio="这次不应保存"), "avatar": upload()},
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["avatar"]
    assert message in error
    assert message in response.content.decode()
    saved = Account.objects.get(pk=account.pk)
    assert saved.avatar.name == "" and saved.bio == ""
    assert audit_actions("account", account.pk) == before


def test_a_bad_banner_on_create_creates_nothing(world: World, login: Any) -> None:
    upload = SimpleUploadedFile("banner.png", EXE_BYTES, "image/png")
    response = login(world.manager).post(
        reverse("matrix:create"), {**form_data(level=1), "banner": upload}
    )
    assert response.status_code == 200
    assert "不是有效的图片" in response.context["form"].errors["banner"][0]
    assert not Account.objects.exists()
    assert not AuditEntry.objects.filter(action="account.create").exists()


def test_the_form_carries_platform_limits_for_the_bio_hint(world: World, login: Any) -> None:
    response = login(world.manager).get(reverse("matrix:create"))
    limits = response.context["form"].platform_limits()
    assert limits[platform("weibo").pk]["bio"] == 70
    html = response.content.decode()
    assert 'id="md-platform-limits"' in html and "count(bio)" in html
