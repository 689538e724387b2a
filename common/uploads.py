"""Uploaded documents are checked by their content, never by their name or declared type."""

import io
from collections.abc import Sequence
from typing import Any

import filetype
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from common.errors import DomainError, require

ALLOWED_CONTENT_TYPES = ("application/pdf", "image/jpeg", "image/png")
# Evidence sent with an inspection, a rectification report or an appeal.
MAX_FILES = 10
MAX_FILE_BYTES = 10 * 1024 * 1024


def inspect_upload(upload: UploadedFile, *, max_bytes: int) -> str:
    """Return the detected content type, or raise a DomainError saying what is wrong."""
    size = upload.size or 0
    if size == 0:
        raise DomainError(_("The file “%(name)s” is empty.") % {"name": upload.name}, field="file")
    if size > max_bytes:
        raise DomainError(
            _("The file “%(name)s” is %(size)s; the limit is %(limit)s.")
            % {
                "name": upload.name,
                "size": filesizeformat(size),
                "limit": filesizeformat(max_bytes),
            },
            field="file",
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_CONTENT_TYPES:
        raise DomainError(
            _(
                "The file “%(name)s” is not a PDF, JPEG or PNG file "
                "(its content was checked, not its name)."
            )
            % {"name": upload.name},
            field="file",
        )
    return kind.mime


def inspect_uploads(files: Sequence[UploadedFile], *, images_only: bool = False) -> list[str]:
    """Check files sent together (at most MAX_FILES, each by its content, photos only if
    `images_only`); return their content types in order, or raise a DomainError."""
    require(len(files) <= MAX_FILES, _("At most %(n)d files at a time.") % {"n": MAX_FILES})
    types = [inspect_upload(f, max_bytes=MAX_FILE_BYTES) for f in files]
    if images_only:
        for upload, content_type in zip(files, types, strict=True):
            require(
                content_type.startswith("image/"),
                _("“%(name)s” is not a photo; use a JPEG or PNG file.") % {"name": upload.name},
            )
    return types


EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


# Pillow's format name for each image type we keep.
_IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}


def strip_metadata(upload: File, content_type: str) -> File:
    """A JPEG or PNG re-encoded without its metadata (EXIF with a GPS position, camera, text
    chunks), its EXIF orientation applied to the pixels first; the same type. Anything else (a
    PDF) is returned as it is. A photo Pillow cannot read is refused."""
    image_format = _IMAGE_FORMATS.get(content_type)
    if image_format is None:
        return upload
    upload.seek(0)
    try:
        with Image.open(upload) as original:
            original.load()
            image = ImageOps.exif_transpose(original)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DomainError(
            _("The photo “%(name)s” cannot be read.") % {"name": upload.name}, field="file"
        ) from exc
    if image_format == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    elif image_format == "PNG" and image.mode not in ("RGB", "RGBA", "L", "LA", "1"):
        image = image.convert("RGBA")  # a palette's transparency kept as alpha
    out = io.BytesIO()
    # A new image carries no info or EXIF: only the pixels are written.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    options: dict[str, Any] = {"quality": 92} if image_format == "JPEG" else {"optimize": True}
    clean.save(out, format=image_format, **options)
    upload.seek(0)
    return ContentFile(out.getvalue(), name=upload.name)


def save_with_file(instance: Model, upload: UploadedFile) -> None:
    """Write the upload to the row's `file` field, then the row. The file is written first (its
    name is random); if the row cannot be saved, the file is removed again. A photo is stored
    without its metadata (`strip_metadata`), and the row's size is the size stored."""
    content = strip_metadata(upload, getattr(instance, "content_type", ""))
    if content is not upload and hasattr(instance, "size"):
        instance.size = content.size
    instance.file.save("upload", content, save=False)
    stored, storage = instance.file.name, instance.file.storage
    try:
        instance.save()
    except Exception:
        storage.delete(stored)
        raise


def save_uploads(
    files: Sequence[UploadedFile],
    types: Sequence[str],
    *,
    model: type[Model],
    actor: Model,
    **belongs_to: Any,
) -> None:
    """One `model` row (a merchants.models.StoredFile) per checked file, with `belongs_to`: what
    it belongs to and, where the model has one, its kind."""
    for upload, content_type in zip(files, types, strict=True):
        save_with_file(
            model(
                original_name=(upload.name or "")[:255],
                content_type=content_type,
                size=upload.size or 0,
                uploaded_by=actor,
                **belongs_to,
            ),
            upload,
        )


def attachment_response(field_file: FieldFile, *, filename: str, content_type: str) -> FileResponse:
    """A stored file as a download; a file missing from storage is a 404."""
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
