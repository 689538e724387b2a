"""Bulk import of external records (DESIGN.md "External data"): files through
`manage.py import_records`, JSON lists through the feed API (`/api/v1/feeds/<source>/`).

Each row is checked against its source's table (required fields, ISO dates, choices, USCC) and
every good row is upserted by the source's record id; bad rows are reported with their line and
skipped. A row that matches what is stored already is left alone, so importing the same file twice
changes nothing. On PostgreSQL the good rows are copied into a temporary table and merged with one
`INSERT … ON CONFLICT DO UPDATE … WHERE <the row differs>` per batch (300,000 rows in seconds);
elsewhere the batch's stored rows are read and only new or different ones are written.
"""

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from os import PathLike
from typing import IO, Any, NamedTuple

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError
from merchants.models import EXTERNAL_SOURCES, ExternalRecord, User
from merchants.services.audit import audit_log
from merchants.signals import records_changed
from merchants.validators import validate_uscc

IMPORT_ACTION = "records.import"
MAX_REPORTED_ERRORS = 1000
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "是"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "否"})


@dataclass(frozen=True, slots=True)
class RowError:
    line: int  # 1-based line of the file (the header is line 1), or position in a pushed list
    field: str  # "" when the problem is the whole row
    message: str


@dataclass
class ImportReport:
    source: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first MAX_REPORTED_ERRORS
    errors_truncated: bool = False
    ignored_fields: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated

    def counts(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.counts(),
            "errors": [asdict(error) for error in self.errors],
            "errors_truncated": self.errors_truncated,
            "ignored_fields": self.ignored_fields,
        }

    def _add_row_errors(self, line: int, problems: list[tuple[str, str]]) -> None:
        self.failed += 1
        for field_name, message in problems:
            if len(self.errors) < MAX_REPORTED_ERRORS:
                self.errors.append(RowError(line, field_name, message))
            else:
                self.errors_truncated = True


class UnreadableRow(NamedTuple):
    """What a reader yields for a line it cannot parse; the import reports it."""

    message: str


# Readers: (line number, record) pairs.


@contextmanager
def _text(source: str | PathLike | IO) -> Iterator[IO[str]]:
    # utf-8-sig: spreadsheet programs put a byte-order mark in front of UTF-8 CSV files.
    if isinstance(source, str | PathLike):
        with open(source, encoding="utf-8-sig", newline="") as f:
            yield f
    elif isinstance(source, io.TextIOBase):
        yield source
    else:
        wrapper = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
        try:
            yield wrapper
        finally:
            wrapper.detach()


@contextmanager
def _utf8_required() -> Iterator[None]:
    try:
        yield
    except UnicodeDecodeError as exc:
        raise DomainError(
            _("The file is not UTF-8 text (byte %(position)d): save it as UTF-8 and try again.")
            % {"position": exc.start}
        ) from exc


def read_csv(source: str | PathLike | IO) -> Iterator[tuple[int, Any]]:
    """Rows of a CSV file with a header line, keyed by the header's names.

    A row's number is the file line it starts on (the header is line 1). Values beyond the
    header's columns are kept under the key None, so the import can report them.
    """
    with _text(source) as f, _utf8_required():
        reader = csv.reader(f)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            yield 1, UnreadableRow(str(exc))
            return
        if header is None:
            return
        names = [name.strip() for name in header]
        width = len(names)
        end = reader.line_num
        while True:
            start = end + 1
            try:
                values = next(reader, None)
            except csv.Error as exc:
                yield start, UnreadableRow(str(exc))
                return
            if values is None:
                return
            end = reader.line_num
            if not values:  # a blank line
                continue
            row: dict[str | None, Any] = dict(zip(names, values, strict=False))
            if len(values) > width:
                row[None] = values[width:]
            yield start, row


def read_jsonl(source: str | PathLike | IO) -> Iterator[tuple[int, Any]]:
    """One JSON object per line (blank lines skipped); a line that is not JSON is reported."""
    with _text(source) as f, _utf8_required():
        for number, text in enumerate(f, start=1):
            if not text.strip():
                continue
            try:
                yield number, json.loads(text)
            except json.JSONDecodeError as exc:
                yield number, UnreadableRow(_("Not valid JSON: %(error)s") % {"error": exc.msg})


READERS: dict[str, Callable[[Any], Iterator[tuple[int, Any]]]] = {
    "csv": read_csv,
    "jsonl": read_jsonl,
}


# Checking a row against the source's table


class _Column(NamedTuple):
    name: str
    convert: Callable[[Any], Any]  # raises ValueError or ValidationError with a message
    required: bool
    default: Any


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _convert_uscc(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(_("Expected text."))
    # Fast path for a code already in compact form (GB 32100-2015 check digit, as python-stdnum
    # computes it); anything else goes through validate_uscc, which normalises it or names the
    # problem. stdnum alone costs a third of a 300,000-row import.
    if len(value) == 18 and value[:8].isdigit() and value.isascii():
        values = _USCC_VALUES
        try:
            total = sum(values[c] * w for c, w in zip(value, _USCC_WEIGHTS, strict=False))
            if _USCC_ALPHABET[-total % 31] == value[17] and value[17] in values:
                return value
        except KeyError:
            pass
    return validate_uscc(value)


def _convert_date(value: Any) -> date:
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
    raise ValueError(_("Not a date in the form YYYY-MM-DD: “%(value)s”.") % {"value": value})


def _convert_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(_("Not true or false: “%(value)s”.") % {"value": value})


def _text_converter(max_length: int) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValueError(_("Expected text."))
        text = str(value).strip()
        if len(text) > max_length:
            raise ValueError(
                _("At most %(limit)d characters; this has %(length)d.")
                % {"limit": max_length, "length": len(text)}
            )
        return text

    return convert


def _choice_converter(choices: list[tuple[str, Any]]) -> Callable[[Any], str]:
    by_word = {str(value).lower(): value for value, _label in choices}
    allowed = ", ".join(str(value) for value, _label in choices)

    def convert(value: Any) -> str:
        found = by_word.get(str(value).strip().lower()) if isinstance(value, str) else None
        if found is None:
            raise ValueError(
                _("“%(value)s” is not one of: %(choices)s.") % {"value": value, "choices": allowed}
            )
        return found

    return convert


def _columns(model: type[ExternalRecord]) -> list[_Column]:
    """The importable columns of a record table, in table order, derived from its fields."""
    columns = []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.name == "imported_at":
            continue
        if f.name == "uscc":
            convert: Callable[[Any], Any] = _convert_uscc
        elif f.choices:
            convert = _choice_converter(list(f.choices))
        elif isinstance(f, models.DateField):
            convert = _convert_date
        elif isinstance(f, models.BooleanField):
            convert = _convert_bool
        elif isinstance(f, models.CharField):
            convert = _text_converter(f.max_length)
        else:
            raise ImproperlyConfigured(f"No import conversion for {model.__name__}.{f.name}")
        required = not (f.null or f.blank or f.has_default())
        columns.append(_Column(f.name, convert, required, f.get_default()))
    return columns


def _clean(row: Mapping[Any, Any], columns: list[_Column]) -> tuple[tuple, list[tuple[str, str]]]:
    values = []
    problems: list[tuple[str, str]] = []
    for column in columns:
        raw = row.get(column.name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if column.required:
                problems.append((column.name, _("This field is required.")))
            values.append(column.default)
            continue
        try:
            values.append(column.convert(raw))
        except ValidationError as exc:
            problems.append((column.name, exc.messages[0]))
        except ValueError as exc:
            problems.append((column.name, str(exc)))
    if None in row:
        problems.append(("", _("This line has more values than the header has columns.")))
    return tuple(values), problems


# Writers: upsert a batch of clean rows, count what they created and changed.


class _OrmWriter:
    """Any database: read the batch's stored rows, write only the new and different ones."""

    batch_size = 2000

    def __init__(self, model: type[ExternalRecord], names: list[str]) -> None:
        self.model, self.names = model, names
        self.key = names.index("record_id")

    def open(self) -> None:
        pass

    def write(self, batch: list[tuple], report: ImportReport) -> None:
        if not batch:
            return
        stored = {
            row[self.key]: row
            for row in self.model._default_manager.filter(
                record_id__in=[values[self.key] for values in batch]
            ).values_list(*self.names)
        }
        changed = []
        for values in batch:
            old = stored.get(values[self.key])
            if old is None:
                report.created += 1
            elif old != values:
                report.updated += 1
            else:
                continue
            changed.append(self.model(**dict(zip(self.names, values, strict=True))))
        self.model._default_manager.bulk_create(
            changed,
            batch_size=self.batch_size,
            update_conflicts=True,
            unique_fields=["record_id"],
            update_fields=[*(n for n in self.names if n != "record_id"), "imported_at"],
        )

    def close(self) -> None:
        pass


class _PostgresWriter:
    """COPY the batch into a temporary table, then one INSERT … ON CONFLICT that touches only
    new and different rows and says which it inserted (xmax = 0 on a freshly inserted row)."""

    batch_size = 50_000

    def __init__(self, model: type[ExternalRecord], names: list[str]) -> None:
        quote = connection.ops.quote_name
        self.names = names
        self.table = quote(model._meta.db_table)
        self.temp = quote(f"import_{model._meta.db_table}")
        cols = ", ".join(quote(n) for n in names)
        self.cols = cols
        updated = [n for n in names if n != "record_id"]
        self.upsert = (
            "WITH merged AS ("
            f"INSERT INTO {self.table} AS t ({cols}, imported_at) "
            f"SELECT {cols}, now() FROM {self.temp} "
            "ON CONFLICT (record_id) DO UPDATE SET "
            + ", ".join(f"{quote(n)} = EXCLUDED.{quote(n)}" for n in updated)
            + ", imported_at = EXCLUDED.imported_at "
            f"WHERE ({', '.join(f't.{quote(n)}' for n in updated)}) IS DISTINCT FROM "
            f"({', '.join(f'EXCLUDED.{quote(n)}' for n in updated)}) "
            "RETURNING (xmax = 0) AS inserted) "
            "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) "
            "FROM merged"
        )

    def open(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.temp}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.temp} ON COMMIT DROP AS "
                f"SELECT {self.cols} FROM {self.table} WITH NO DATA"
            )

    def write(self, batch: list[tuple], report: ImportReport) -> None:
        if not batch:
            return
        buffer = io.StringIO()
        # QUOTE_NOTNULL: None becomes an unquoted empty field, which COPY reads as NULL.
        csv.writer(buffer, quoting=csv.QUOTE_NOTNULL, lineterminator="\n").writerows(batch)
        sql = f"COPY {self.temp} ({self.cols}) FROM STDIN WITH (FORMAT csv)"
        with connection.cursor() as cursor:
            raw = cursor.cursor
            buffer.seek(0)
            if hasattr(raw, "copy_expert"):  # psycopg2
                raw.copy_expert(sql, buffer)
            else:  # psycopg 3
                with raw.copy(sql) as copy:
                    copy.write(buffer.getvalue())
            cursor.execute(self.upsert)
            created, updated = cursor.fetchone()
            cursor.execute(f"TRUNCATE {self.temp}")
        report.created += created
        report.updated += updated

    def close(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.temp}")


def records_import(
    *,
    source: str,
    rows: Iterable[tuple[int, Any]],
    actor: User | None,
    origin: str = "",
) -> ImportReport:
    """Upsert the good rows of one source by record id and report on every row.

    `rows` are (line number, record) pairs, as `read_csv` and `read_jsonl` yield them; for a list
    of records pass `enumerate(records, start=1)`. A record id that appears twice is imported
    from its first row; the later row is reported. One transaction, one audit entry.
    """
    model = EXTERNAL_SOURCES.get(source)
    if model is None:
        raise DomainError(
            _("Unknown source “%(source)s”; the sources are: %(sources)s.")
            % {"source": source, "sources": ", ".join(EXTERNAL_SOURCES)}
        )
    columns = _columns(model)
    names = [c.name for c in columns]
    known = set(names)
    key = names.index("record_id")
    writer = (
        _PostgresWriter(model, names)
        if connection.vendor == "postgresql"
        else _OrmWriter(model, names)
    )
    report = ImportReport(source=source)
    first_rows: set[str] = set()
    ignored: set[str] = set()
    good = 0
    batch: list[tuple] = []
    # Rows written by this import carry an imported_at from now on (a second of margin for the
    # database's clock).
    started = timezone.now() - timedelta(seconds=1)
    with transaction.atomic():
        writer.open()
        for line, row in rows:
            report.rows += 1
            if not isinstance(row, Mapping):
                message = (
                    row.message
                    if isinstance(row, UnreadableRow)
                    else _("Each record must be an object with named fields.")
                )
                report._add_row_errors(line, [("", message)])
                continue
            if len(row) != len(known) or row.keys() != known:
                ignored.update(k for k in row.keys() - known if k is not None)
            values, problems = _clean(row, columns)
            if not problems:
                record_id = values[key]
                if record_id in first_rows:
                    problems = [
                        (
                            "record_id",
                            _(
                                "Record id “%(id)s” appears more than once; only its first row "
                                "is imported."
                            )
                            % {"id": record_id},
                        )
                    ]
                else:
                    first_rows.add(record_id)
            if problems:
                report._add_row_errors(line, problems)
                continue
            good += 1
            batch.append(values)
            if len(batch) >= writer.batch_size:
                writer.write(batch, report)
                batch = []
        writer.write(batch, report)
        writer.close()
        report.unchanged = good - report.created - report.updated
        report.ignored_fields = sorted(ignored)
        if report.created or report.updated:
            records_changed.send(
                sender=model,
                source=source,
                usccs=model._default_manager.filter(imported_at__gte=started).values("uscc"),
            )
        audit_log(
            actor=actor,
            action=IMPORT_ACTION,
            obj=f"{source} records" + (f" from {origin}" if origin else ""),
            data={
                **report.counts(),
                "origin": origin,
                "errors": [asdict(e) for e in report.errors[:20]],
            },
        )
    return report


def records_import_file(
    *, source: str, path: str | PathLike | IO, file_format: str, actor: User | None
) -> ImportReport:
    """Import a CSV or JSON-lines file (`file_format`: "csv" or "jsonl")."""
    reader = READERS.get(file_format)
    if reader is None:
        raise DomainError(
            _("Unknown file format “%(format)s”; use csv or jsonl.") % {"format": file_format}
        )
    return records_import(
        source=source, rows=reader(path), actor=actor, origin=str(getattr(path, "name", path))
    )
