"""Upload checks: size first (before reading), then the real type from the content."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}
MAX_PIXELS = 40_000_000


def human_size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def validate_image(upload: UploadedFile, *, field: str = "image") -> UploadedFile:
    """Accept only a real PNG/JPEG/WebP/GIF within the size limit, whatever the file name says."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {
                field: _("文件过大（%(human_size)s），图片不能超过 %(human_size2)s")
                % {"human_size": human_size(upload.size or 0), "human_size2": human_size(limit)}
            }
        )
    try:
        upload.seek(0)
        with Image.open(upload) as img:
            fmt = img.format or ""
            width, height = img.size
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(
            {field: _("文件不是有效的图片（仅支持 PNG、JPG、WebP、GIF）")}
        ) from None
    finally:
        upload.seek(0)
    if fmt not in IMAGE_FORMATS:
        raise ValidationError(
            {field: _("不支持的图片格式 %(fmt)s（仅支持 PNG、JPG、WebP、GIF）") % {"fmt": fmt}}
        )
    if width * height > MAX_PIXELS:
        raise ValidationError({field: _("图片分辨率过大")})
    stem = (upload.name or "image").rsplit(".", 1)[0][:80] or "image"
    upload.name = f"{stem}.{IMAGE_FORMATS[fmt]}"
    return upload
