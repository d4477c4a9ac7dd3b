"""Override evidence files (e.g. a certificate proving a ranking claim): a PDF or an image
within the upload limit, judged by content rather than by the file name."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from mediadesk.core import uploads
from mediadesk.core.errors import ValidationError

FIELD = "evidence"


def validated(upload: UploadedFile) -> UploadedFile:
    """The upload if it is a real PDF or PNG/JPEG/WebP/GIF within the size limit."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size is None or upload.size > limit:
        size = uploads.human_size(upload.size or 0)
        raise ValidationError(
            {
                FIELD: _("证明材料过大（%(size)s），不能超过 %(limit)s")
                % {"size": size, "limit": uploads.human_size(limit)}
            }
        )
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        stem = (upload.name or "evidence").rsplit(".", 1)[0][:80] or "evidence"
        upload.name = f"{stem}.pdf"
        return upload
    try:
        return uploads.validate_image(upload, field=FIELD)
    except ValidationError:
        raise ValidationError(
            {FIELD: _("证明材料仅支持 PDF 或图片（PNG、JPG、WebP、GIF）")}
        ) from None
