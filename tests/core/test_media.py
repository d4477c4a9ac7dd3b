"""Uploaded files are served only to users who may see the account they belong to."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from mediadesk.matrix import services
from mediadesk.matrix.models import Platform


def png() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    return SimpleUploadedFile("avatar.png", buf.getvalue(), content_type="image/png")


def test_avatar_is_served_only_within_scope(
    world: Any, login: Any, client: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    account = services.create_account(
        by=world.manager,
        organisation=world.org,
        values={
            "platform": Platform.objects.get(code="douyin"),
            "name": "锦程天府",
            "level": 2,
            "project": world.tianfu,
        },
    )
    services.set_images(account, by=world.manager, avatar=png())
    account.refresh_from_db()
    url = f"/media/{account.avatar.name}"

    assert client.get(url).status_code == 302  # anonymous → login

    response = login(world.manager).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")

    assert login(world.operator).get(url).status_code == 404  # 西安 operator, 成都 account
    assert login(world.outsider).get(url).status_code == 404
    assert login(world.manager).get("/media/accounts/avatars/nothing.png").status_code == 404
    assert login(world.manager).get("/media/../secret_key").status_code == 404
