"""Uploaded documents are checked by their content, never by their name or declared type."""

import filetype
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from merchants.errors import DomainError

ALLOWED_CONTENT_TYPES = ("application/pdf", "image/jpeg", "image/png")


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
