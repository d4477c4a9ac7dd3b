"""Image uploads: the real type from the content, and the size checked before reading."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from mediadesk.core import uploads


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30), mode: str = "RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, "white").save(buf, format=fmt)
    return buf.getvalue()


def test_a_real_png_is_accepted_and_named_by_its_real_type() -> None:
    upload = SimpleUploadedFile("头像.jpg", image_bytes("PNG"))
    checked = uploads.validate_image(upload, field="avatar")
    assert checked.name == "头像.png"
    assert checked.read() == image_bytes("PNG")  # left at the start for saving


@pytest.mark.parametrize("fmt,ext", [("JPEG", "jpg"), ("WEBP", "webp"), ("GIF", "gif")])
def test_the_other_supported_formats_are_accepted(fmt: str, ext: str) -> None:
    checked = uploads.validate_image(SimpleUploadedFile("x.png", image_bytes(fmt)))
    assert checked.name == f"x.{ext}"


def test_a_renamed_executable_is_rejected_naming_the_field() -> None:
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
    with pytest.raises(ValidationError) as exc:
        uploads.validate_image(SimpleUploadedFile("avatar.png", exe), field="avatar")
    assert "不是有效的图片" in exc.value.message_dict["avatar"][0]


def test_an_unsupported_image_format_is_rejected() -> None:
    with pytest.raises(ValidationError, match="不支持的图片格式 BMP"):
        uploads.validate_image(SimpleUploadedFile("x.png", image_bytes("BMP")))


class Unreadable(SimpleUploadedFile):
    def read(self, *args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("an oversize upload must be refused before it is read")

    def seek(self, *args: Any, **kwargs: Any) -> int:
        raise AssertionError("an oversize upload must be refused before it is read")


def test_an_oversize_upload_is_rejected_before_reading(settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    big = Unreadable("banner.png", b"")
    big.size = 5 * 1024 * 1024 + 1
    with pytest.raises(ValidationError) as exc:
        uploads.validate_image(big, field="banner")
    assert exc.value.message_dict["banner"][0].startswith("文件过大（5.0 MB）")


def test_a_huge_resolution_is_rejected() -> None:
    data = image_bytes("PNG", size=(8000, 6000), mode="1")
    with pytest.raises(ValidationError, match="分辨率过大"):
        uploads.validate_image(SimpleUploadedFile("x.png", data))


def test_human_size() -> None:
    assert uploads.human_size(512 * 1024) == "512 KB"
    assert uploads.human_size(5 * 1024 * 1024) == "5.0 MB"
