"""One merchant's full history as a zip: `history.json` and the files it names.

For the regulators whose region reaches the merchant (everything) and for its owners (what the
merchant's people may see). This app writes the merchant, its permits, people and declarations
with their documents; the higher apps add complaints, inspections and the rating history by
answering `merchant_history_collecting` with `HistorySection`s (their receivers).
"""

import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import require
from merchants.models import Declaration, Membership, Merchant, User
from merchants.permissions import may_export_history, reaches
from merchants.signals import merchant_history_collecting

FORMAT_VERSION = 1


@dataclass
class HistorySection:
    """A part of the history: `records` go into history.json under `name`; each of `files` is
    a (path in the zip, stored file) pair, the path also named in its record."""

    name: str
    records: list[dict[str, Any]]
    files: list[tuple[str, FieldFile]] = field(default_factory=list)


def record(obj: models.Model, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The row's own fields as JSON-ready values (foreign keys as ids, files left out: they are
    listed with their path in the zip instead)."""
    skip = set(exclude)
    data: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if f.name in skip or isinstance(f, models.FileField):
            continue
        data[f.attname if f.is_relation else f.name] = f.value_from_object(obj)
    return data


def file_entry(prefix: str, stored: models.Model) -> tuple[dict[str, Any], tuple[str, FieldFile]]:
    """A stored file's record and its place in the zip (`<prefix>/<id>-<original name>`)."""
    name = re.sub(r"[^\w.\-]+", "_", stored.original_name or "file").strip("._") or "file"
    path = f"{prefix}/{stored.pk}-{name}"[:200]
    return {**record(stored), "path": path}, (path, stored.file)


def _own_sections(merchant: Merchant, *, full: bool) -> list[HistorySection]:
    people = [
        {"user": m.user_id, "username": m.user.username, "role": m.role}
        for m in Membership.objects.filter(merchant=merchant).select_related("user")
    ]
    declarations, files = [], []
    for declaration in (
        Declaration.objects.filter(merchant=merchant)
        .prefetch_related("events", "documents")
        .order_by("created_at", "pk")
    ):
        documents = []
        for document in declaration.documents.all():
            entry, item = file_entry(f"declarations/{declaration.pk}", document)
            documents.append(entry)
            files.append(item)
        declarations.append(
            {
                **record(declaration),
                "events": [record(e) for e in declaration.events.all()],
                "documents": documents,
            }
        )
    return [
        HistorySection("merchant", [record(merchant)]),
        HistorySection("permits", [record(p) for p in merchant.permits.all()]),
        HistorySection("people", people),
        HistorySection("declarations", declarations, files),
    ]


def merchant_history_export(*, actor: User, merchant: Merchant) -> bytes:
    """The zip of `merchant`'s history as `actor` may see it."""
    require(
        may_export_history(actor, merchant),
        _("Only the merchant's owners and its regulators can export its history."),
    )
    full = reaches(actor, merchant.region_id)
    sections = _own_sections(merchant, full=full)
    for _receiver, answer in merchant_history_collecting.send(
        sender=Merchant, merchant=merchant, full=full
    ):
        sections.extend(answer if isinstance(answer, list) else [answer])
    history: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "exported_at": timezone.now(),
        "exported_by": actor.username,
        "copy": "regulator" if full else "owner",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for section in sections:
            history[section.name] = section.records
            for path, stored in section.files:
                try:
                    with stored.open("rb") as handle:
                        archive.writestr(path, handle.read())
                except FileNotFoundError:
                    history.setdefault("missing_files", []).append(path)
        archive.writestr(
            "history.json",
            json.dumps(history, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        )
    return buffer.getvalue()
