"""One merchant's history: the full export as a zip (`history.json` and the files it names),
and the merchant's file (一户一档): one page, printable and downloadable as JSON, with every
section and one timeline of everything.

For the regulators whose region reaches the merchant (everything) and for the merchant's people
(what they may see). This app writes the merchant, its permits, registry records, people and
declarations; the higher apps add complaints, screening, inspections and the rating history by
answering `merchant_history_collecting` with `HistorySection`s (their receivers): `records` for
the zip, `columns`, `rows` and `timeline` for the file.
"""

import datetime
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from common.errors import require
from common.messages import render
from merchants.models import (
    EXTERNAL_SOURCES,
    Declaration,
    Membership,
    Merchant,
    Permit,
    User,
)
from merchants.permissions import may_export_history, merchant_file_copy, reaches
from merchants.services.audit import audit_log
from merchants.signals import merchant_history_collecting

FORMAT_VERSION = 1
FILE_FORMAT_VERSION = 1


@dataclass(frozen=True)
class Column:
    key: str
    label: str


@dataclass
class FileRow:
    """One record as the merchant's file shows it: texts by column key, in the reader's
    language; `url` a page the viewer may open (linked from the row's first cell)."""

    cells: dict[str, str]
    url: str = ""


@dataclass
class TimelineEntry:
    """One dated step for the file's timeline (newest first, every section together)."""

    at: datetime.datetime
    text: str
    url: str = ""
    section: str = ""  # filled in by the file: the section it came from


@dataclass
class HistorySection:
    """A part of the history: `records` go into history.json under `name`; each of `files` is
    a (path in the zip, stored file) pair, the path also named in its record. The merchant's
    file shows the section under `title` as a table of `columns` and `rows`, and merges its
    `timeline` with the other sections'. A section without a title is left off the file."""

    name: str
    records: list[dict[str, Any]]
    files: list[tuple[str, FieldFile]] = field(default_factory=list)
    title: str = ""
    columns: list[Column] = field(default_factory=list)
    rows: list[FileRow] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    order: int = 100  # its place on the file: merchants' own first, then by this number


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


def shown(value: Any) -> str:
    """A value as the file shows it, in the reader's language and time zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float):
        return str(value)
    if isinstance(value, dict | list):
        return render(value)  # a stored message
    return str(value)


def moment(value: datetime.date | datetime.datetime) -> datetime.datetime:
    """A timeline's point in time: a day is its local midnight."""
    if isinstance(value, datetime.datetime):
        return value
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time()))


def model_columns(model: type[models.Model], names: Iterable[str]) -> list[Column]:
    """Columns headed by the fields' own names (verbose_name)."""
    return [Column(n, capfirst(str(model._meta.get_field(n).verbose_name))) for n in names]


def model_cells(obj: models.Model, names: Iterable[str]) -> dict[str, str]:
    """The fields' values as shown: a choice by its label."""
    cells = {}
    for name in names:
        f = obj._meta.get_field(name)
        value = getattr(obj, f"get_{name}_display")() if f.choices else getattr(obj, name)
        cells[name] = shown(value)
    return cells


def _state_move(event: Any) -> str:
    """ "from → to" of an event row with choice fields `from_state` and `to_state`."""
    to = event.get_to_state_display()
    return f"{event.get_from_state_display()} → {to}" if event.from_state else str(to)


def _own_sections(merchant: Merchant, *, full: bool) -> list[HistorySection]:
    memberships = list(Membership.objects.filter(merchant=merchant).select_related("user"))
    people = HistorySection(
        "people",
        [{"user": m.user_id, "username": m.user.username, "role": m.role} for m in memberships],
        title=_("People"),
        columns=[Column("user", _("User")), Column("role", _("Role")), Column("since", _("Since"))],
        rows=[
            FileRow(
                {
                    "user": m.user.display_name,
                    "role": m.get_role_display(),
                    "since": shown(m.created_at),
                }
            )
            for m in memberships
        ],
        order=90,
    )
    permits = list(merchant.permits.all())
    permit_fields = ("permit_type", "number", "valid_until")
    return [
        HistorySection("merchant", [record(merchant)]),
        HistorySection(
            "permits",
            [record(p) for p in permits],
            title=_("Permits"),
            columns=model_columns(Permit, permit_fields),
            rows=[FileRow(model_cells(p, permit_fields)) for p in permits],
            order=1,
        ),
        _registry_section(merchant),
        people,
        _declaration_section(merchant, full=full),
    ]


# The base fields of every external record; the others are what the source says.
_RECORD_BASE = {"id", "uscc", "record_id", "as_of", "imported_at"}


def _registry_section(merchant: Merchant) -> HistorySection:
    """What the external systems (registry, quality, food chain, cold chain, enforcement) hold
    under the merchant's USCC: the facts the screening and the evaluation read."""
    records, rows, timeline = [], [], []
    for source, model in EXTERNAL_SOURCES.items():
        names = [f.name for f in model._meta.concrete_fields if f.name not in _RECORD_BASE]
        for item in model.objects.filter(uscc=merchant.uscc).order_by("-as_of", "pk"):
            kind = capfirst(str(model._meta.verbose_name))
            cells = model_cells(item, names)
            summary = "; ".join(
                f"{capfirst(str(model._meta.get_field(n).verbose_name))}: {cells[n]}"
                for n in names
                if cells[n]
            )
            records.append({**record(item), "source": source})
            rows.append(
                FileRow(
                    {
                        "source": kind,
                        "as_of": shown(item.as_of),
                        "record_id": item.record_id,
                        "summary": summary,
                    }
                )
            )
            timeline.append(TimelineEntry(moment(item.as_of), f"{kind}: {summary}"))
    return HistorySection(
        "registry_records",
        records,
        title=_("Registry and other external records"),
        columns=[
            Column("source", _("Source")),
            Column("as_of", _("As of")),
            Column("record_id", _("Record")),
            Column("summary", _("What it says")),
        ],
        rows=rows,
        timeline=timeline,
        order=2,
    )


def _declaration_section(merchant: Merchant, *, full: bool) -> HistorySection:
    declarations, files, rows, timeline = [], [], [], []
    for declaration in (
        Declaration.objects.filter(merchant=merchant)
        .select_related("scheme", "reviewer")
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
        url = reverse("declaration-detail", args=[declaration.pk])
        scheme = declaration.scheme.display_name
        cells = {
            "scheme": scheme,
            "state": declaration.get_state_display(),
            "submitted_at": shown(declaration.submitted_at),
            "decided_at": shown(declaration.decided_at),
            "documents": str(len(documents)),
        }
        if full:
            cells["reviewer"] = declaration.reviewer.display_name if declaration.reviewer else ""
        rows.append(FileRow({k: str(v) for k, v in cells.items()}, url))
        for event in declaration.events.all():
            text = _("Declaration (%(scheme)s): %(move)s") % {
                "scheme": scheme,
                "move": _state_move(event),
            }
            reason = event.reason_text
            timeline.append(
                TimelineEntry(event.created_at, f"{text}. {reason}" if reason else text, url)
            )
    columns = [
        Column("scheme", _("Scheme")),
        Column("state", _("State")),
        Column("submitted_at", _("Submitted")),
        Column("decided_at", _("Decided")),
        Column("documents", _("Documents")),
    ]
    if full:
        columns.append(Column("reviewer", _("Reviewer")))
    return HistorySection(
        "declarations",
        declarations,
        files,
        title=_("Declarations"),
        columns=columns,
        rows=rows,
        timeline=timeline,
        order=3,
    )


def _collect(*, merchant: Merchant, full: bool, viewer: User) -> list[HistorySection]:
    sections = _own_sections(merchant, full=full)
    for _receiver, answer in merchant_history_collecting.send(
        sender=Merchant, merchant=merchant, full=full, viewer=viewer
    ):
        sections.extend(answer if isinstance(answer, list) else [answer])
    return sections


def merchant_history_export(*, actor: User, merchant: Merchant) -> bytes:
    """The zip of `merchant`'s history as `actor` may see it."""
    require(
        may_export_history(actor, merchant),
        _("Only the merchant's owners and its regulators can export its history."),
    )
    full = reaches(actor, merchant.region_id)
    sections = _collect(merchant=merchant, full=full, viewer=actor)
    merchant_file_export_record(actor=actor, merchant=merchant, source="history-zip")
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


# The merchant's file (一户一档)


def _profile(merchant: Merchant) -> list[dict[str, str]]:
    fields = (
        "name",
        "uscc",
        "legal_representative",
        "address",
        "industry",
        "licence_valid_from",
        "licence_valid_until",
        "contact_phone",
        "created_at",
    )
    cells = model_cells(merchant, fields)
    region = merchant.region
    rows = [{"label": c.label, "value": cells[c.key]} for c in model_columns(Merchant, fields)]
    rows.insert(
        4,
        {
            "label": _("Region"),
            "value": " · ".join(str(r.name) for r in (region.parent, region) if r is not None),
        },
    )
    return rows


def merchant_file(*, viewer: User, merchant: Merchant) -> dict[str, Any]:
    """Everything about `merchant` that `viewer` may see, as the file page and its JSON show it:
    the profile, each section (a table) and one timeline of every section's dated steps,
    newest first. The copy follows merchants.permissions.merchant_file_copy (a viewer with
    none is refused)."""
    copy = merchant_file_copy(viewer, merchant)
    require(copy is not None, _("Only the merchant's people and its regulators see its file."))
    sections = [
        s for s in _collect(merchant=merchant, full=copy == "regulator", viewer=viewer) if s.title
    ]
    sections.sort(key=lambda s: s.order)
    timeline = []
    for section in sections:
        for entry in section.timeline:
            entry.section = section.title
            timeline.append(entry)
    timeline.sort(key=lambda e: e.at, reverse=True)
    return {
        "format": FILE_FORMAT_VERSION,
        "copy": copy,
        "generated_at": timezone.now(),
        "merchant": {"id": merchant.pk, "name": merchant.name, "uscc": merchant.uscc},
        "profile": _profile(merchant),
        "sections": [
            {
                "name": s.name,
                "title": s.title,
                "columns": [{"key": c.key, "label": c.label} for c in s.columns],
                "rows": [
                    {"cells": [row.cells.get(c.key, "") for c in s.columns], "url": row.url}
                    for row in s.rows
                ],
            }
            for s in sections
        ],
        "timeline": [
            {"at": e.at, "section": e.section, "text": e.text, "url": e.url} for e in timeline
        ],
    }


def merchant_file_export_record(*, actor: User, merchant: Merchant, source: str) -> None:
    """A regulator's copy of the file taken away as JSON (the page or the API): audited like
    the complaint exports. The owner's own copy is not."""
    if merchant_file_copy(actor, merchant) == "regulator":
        audit_log(
            actor=actor,
            action="merchant.file_export",
            merchant=merchant,
            data={"merchant": merchant.pk, "source": source},
        )
