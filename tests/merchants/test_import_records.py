"""Importing external records (merchants/services/records.py, `manage.py import_records`):
idempotent upserts, bad rows reported with their line while every good row is imported."""

import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from common.errors import DomainError
from merchants.models import (
    EXTERNAL_SOURCES,
    AuditEntry,
    PenaltyRecord,
    QualityRecord,
    RegistryRecord,
)
from merchants.services.records import (
    IMPORT_ACTION,
    read_csv,
    read_jsonl,
    records_import,
    records_import_file,
)
from merchants.uscc import build_uscc
from merchants.validators import validate_uscc
from tests.factories import RegistryRecordFactory

REGISTRY_HEADER = (
    "uscc,record_id,as_of,entity_status,licence_valid_until,on_abnormal_list,"
    "on_dishonest_list,credit_level"
)


def uscc(n: int) -> str:
    return build_uscc("330106", 5000 + n)


def registry_csv(n: int, *, credit: str = "A") -> str:
    lines = [REGISTRY_HEADER]
    for i in range(n):
        lines.append(f"{uscc(i)},QY-{i},2026-11-01,active,2040-01-01,false,false,{credit}")
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_file(path: Path, source: str = "registry", file_format: str = "csv"):
    return records_import_file(source=source, path=path, file_format=file_format, actor=None)


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("import_records", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


# Idempotent upserts


def test_csv_import_creates_the_records(db, tmp_path):
    report = import_file(write(tmp_path, "registry.csv", registry_csv(5)))
    assert (report.rows, report.created, report.updated, report.unchanged, report.failed) == (
        5,
        5,
        0,
        0,
        0,
    )
    record = RegistryRecord.objects.get(record_id="QY-3")
    assert record.uscc == uscc(3)
    assert record.as_of == date(2026, 11, 1)
    assert record.licence_valid_until == date(2040, 1, 1)
    assert record.entity_status == RegistryRecord.Status.ACTIVE
    assert (record.on_abnormal_list, record.on_dishonest_list) == (False, False)


def test_importing_the_same_file_twice_changes_nothing(db, tmp_path):
    path = write(tmp_path, "registry.csv", registry_csv(5))
    import_file(path)
    stamps = dict(RegistryRecord.objects.values_list("record_id", "imported_at"))
    report = import_file(path)
    assert (report.created, report.updated, report.unchanged, report.changed) == (0, 0, 5, 0)
    assert RegistryRecord.objects.count() == 5
    # Unchanged rows are not even rewritten.
    assert dict(RegistryRecord.objects.values_list("record_id", "imported_at")) == stamps


def test_changed_rows_are_updated_and_new_ones_created(db, tmp_path):
    import_file(write(tmp_path, "v1.csv", registry_csv(4)))
    text = registry_csv(5).replace("QY-2,2026-11-01,active,2040-01-01,false,false,A", "")
    text = text.replace(
        f"{uscc(1)},QY-1,2026-11-01,active,2040-01-01,false,false,A",
        f"{uscc(1)},QY-1,2026-11-20,active,2040-01-01,true,false,C",
    )
    report = import_file(write(tmp_path, "v2.csv", text))
    # QY-2's line is now broken (uscc only): reported; QY-4 is new; QY-1 changed.
    assert (report.created, report.updated, report.unchanged, report.failed) == (1, 1, 2, 1)
    record = RegistryRecord.objects.get(record_id="QY-1")
    assert (record.as_of, record.on_abnormal_list, record.credit_level) == (
        date(2026, 11, 20),
        True,
        "C",
    )
    assert RegistryRecord.objects.get(record_id="QY-2").credit_level == "A"  # kept as it was


def test_a_record_stored_by_other_means_is_updated(db, tmp_path):
    RegistryRecordFactory(uscc=uscc(0), record_id="QY-0", credit_level="D")
    report = import_file(write(tmp_path, "registry.csv", registry_csv(1)))
    assert (report.created, report.updated) == (0, 1)
    assert RegistryRecord.objects.get(record_id="QY-0").credit_level == "A"


def test_jsonl_import_twice(db, tmp_path):
    rows = [
        {
            "uscc": uscc(i),
            "record_id": f"CF-{i}",
            "as_of": "2026-10-01",
            "decided_on": "2026-09-20",
            "severity": "serious" if i == 0 else "minor",
            "description": "未按规定明码标价",
        }
        for i in range(3)
    ]
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n"
    path = write(tmp_path, "penalties.jsonl", text)
    first = import_file(path, "enforcement", "jsonl")
    assert (first.rows, first.created, first.failed) == (3, 3, 0)
    penalty = PenaltyRecord.objects.get(record_id="CF-0")
    assert (penalty.decided_on, penalty.severity) == (date(2026, 9, 20), "serious")
    second = import_file(path, "enforcement", "jsonl")
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)


MINIMAL_ROWS = {
    "registry": {"entity_status": "active", "credit_level": "B"},
    "quality": {"checked_on": "2026-10-01", "product": "绿茶", "result": "pass"},
    "food_chain": {"permit_number": "JY13301060000001", "permit_valid_until": "2030-01-01"},
    "cold_chain": {"checked_on": "2026-10-01"},
    "enforcement": {"decided_on": "2026-10-01", "severity": "minor", "description": "未亮照"},
}


@pytest.mark.parametrize("source", list(EXTERNAL_SOURCES))
def test_every_source_imports_with_only_its_required_fields(db, source):
    row = {"uscc": uscc(1), "record_id": "X-1", "as_of": "2026-11-01", **MINIMAL_ROWS[source]}
    report = records_import(source=source, rows=[(1, row)], actor=None)
    assert (report.created, report.failed) == (1, 0), report.errors
    again = records_import(source=source, rows=[(1, row)], actor=None)
    assert again.unchanged == 1
    assert EXTERNAL_SOURCES[source].objects.get(record_id="X-1").uscc == uscc(1)


def test_optional_fields_take_their_defaults(db):
    row = {"uscc": uscc(1), "record_id": "QY-1", "as_of": "2026-11-01", **MINIMAL_ROWS["registry"]}
    records_import(source="registry", rows=[(1, row)], actor=None)
    record = RegistryRecord.objects.get()
    assert record.licence_valid_until is None  # long-term
    assert (record.on_abnormal_list, record.on_dishonest_list) == (False, False)


# Bad rows


def test_bad_rows_are_reported_with_their_line_and_good_rows_imported(db, tmp_path):
    text = "\n".join(
        [
            REGISTRY_HEADER,  # line 1
            f"{uscc(0)},QY-0,2026-11-01,active,,no,no,A",  # 2: good
            f"{uscc(1)[:-1]}X,QY-1,2026-11-01,active,,no,no,A",  # 3: check digit
            f"{uscc(2)},QY-2,2026-13-01,active,,no,no,A",  # 4: no such month
            f"{uscc(3)},QY-3,2026-11-01,active,,no,no,",  # 5: credit missing
            f"{uscc(4)},QY-4,2026-11-01,dormant,,no,no,A",  # 6: unknown status
            "",  # 7: blank, skipped
            f"{uscc(5)},QY-5,01/11/2026,active,,maybe,no,Z",  # 8: three problems
            f"{uscc(6)},QY-6,2026-11-01,active,,yes,no,b",  # 9: good (case is forgiven)
            f"{uscc(7)},QY-0,2026-11-01,active,,no,no,A",  # 10: record id of line 2
            f"{uscc(8)},QY-8,2026-11-01,active,,no,no,A,surplus",  # 11: one value too many
        ]
    )
    report = import_file(write(tmp_path, "registry.csv", text + "\n"))
    assert (report.rows, report.created, report.failed) == (9, 2, 7)
    assert sorted(RegistryRecord.objects.values_list("record_id", flat=True)) == ["QY-0", "QY-6"]
    assert RegistryRecord.objects.get(record_id="QY-6").credit_level == "B"
    found = [(e.line, e.field) for e in report.errors]
    assert found == [
        (3, "uscc"),
        (4, "as_of"),
        (5, "credit_level"),
        (6, "entity_status"),
        (8, "as_of"),
        (8, "on_abnormal_list"),
        (8, "credit_level"),
        (10, "record_id"),
        (11, ""),
    ]
    messages = {(e.line, e.field): e.message for e in report.errors}
    assert "check digit" in messages[(3, "uscc")]
    assert "YYYY-MM-DD" in messages[(4, "as_of")]
    assert messages[(5, "credit_level")] == "This field is required."
    assert "dormant" in messages[(6, "entity_status")]
    assert "active" in messages[(6, "entity_status")]
    assert "more than once" in messages[(10, "record_id")]
    assert "more values" in messages[(11, "")]


@pytest.mark.parametrize(
    "value",
    [
        uscc(1),
        uscc(2).lower(),
        f" {uscc(3)[:8]} {uscc(3)[8:]} ",
        uscc(4)[:-1] + ("0" if uscc(4)[-1] != "0" else "1"),
        uscc(5)[:-1],
        uscc(6)[:10] + "I" + uscc(6)[11:],
        "A" + uscc(7)[1:],
    ],
)
def test_uscc_is_checked_and_normalised_as_the_validator_does(db, value):
    row = {"uscc": value, "record_id": "CF-1", "as_of": "2026-11-01", **MINIMAL_ROWS["enforcement"]}
    report = records_import(source="enforcement", rows=[(1, row)], actor=None)
    try:
        expected = validate_uscc(value)
    except ValidationError as exc:
        assert [e.message for e in report.errors] == exc.messages
    else:
        assert PenaltyRecord.objects.get().uscc == expected


def test_line_numbers_follow_quoted_values_over_several_lines(db, tmp_path):
    header = "uscc,record_id,as_of,checked_on,compliant,note"
    text = (
        f'{header}\n{uscc(0)},LL-0,2026-11-01,2026-10-01,false,"温度记录\n不完整"\n'
        f"{uscc(1)},LL-1,2026-11-01,bad,true,\n"
    )
    report = import_file(write(tmp_path, "cold.csv", text), "cold_chain")
    assert [(e.line, e.field) for e in report.errors] == [(4, "checked_on")]
    assert report.created == 1


def test_unknown_columns_are_ignored_and_listed(db, tmp_path):
    text = registry_csv(2).replace("credit_level", "credit_level,remark", 1)
    text = text.replace(",A\n", ",A,备注\n")
    report = import_file(write(tmp_path, "registry.csv", text))
    assert (report.created, report.failed) == (2, 0)
    assert report.ignored_fields == ["remark"]


def test_jsonl_bad_lines(db, tmp_path):
    good = {"uscc": uscc(0), "record_id": "ZL-0", "as_of": "2026-11-01", **MINIMAL_ROWS["quality"]}
    text = "\n".join(
        [
            json.dumps(good, ensure_ascii=False),
            "{not json",
            "",
            '["a", "list"]',
            json.dumps({**good, "record_id": "ZL-1", "result": "passed", "checked_on": 20261001}),
        ]
    )
    report = import_file(write(tmp_path, "quality.jsonl", text), "quality", "jsonl")
    assert (report.rows, report.created, report.failed) == (4, 1, 3)
    assert [(e.line, e.field) for e in report.errors] == [
        (2, ""),
        (4, ""),
        (5, "checked_on"),
        (5, "result"),
    ]
    assert "Not valid JSON" in report.errors[0].message
    assert QualityRecord.objects.get().record_id == "ZL-0"


def test_text_too_long_for_the_table(db):
    row = {
        "uscc": uscc(1),
        "record_id": "X" * 65,
        "as_of": "2026-11-01",
        **MINIMAL_ROWS["quality"],
    }
    report = records_import(source="quality", rows=[(1, row)], actor=None)
    assert [(e.field, e.message) for e in report.errors] == [
        ("record_id", "At most 64 characters; this has 65.")
    ]


def test_only_the_first_errors_are_listed_but_all_are_counted(db, monkeypatch):
    monkeypatch.setattr("merchants.services.records.MAX_REPORTED_ERRORS", 2)
    rows = [(n, {"uscc": "bad"}) for n in range(2, 7)]
    report = records_import(source="enforcement", rows=rows, actor=None)
    assert report.failed == 5
    assert [e.line for e in report.errors] == [2, 2]
    assert report.as_dict()["errors_truncated"] is True


def test_unknown_source(db):
    with pytest.raises(DomainError, match="Unknown source"):
        records_import(source="weather", rows=[], actor=None)


def test_each_import_writes_one_audit_entry(db, tmp_path, admin_user):
    records_import(
        source="registry",
        rows=read_csv(write(tmp_path, "r.csv", registry_csv(3))),
        actor=admin_user,
        origin="r.csv",
    )
    entry = AuditEntry.objects.get(action=IMPORT_ACTION)
    assert entry.actor == admin_user
    assert entry.data["created"] == 3
    assert entry.data["origin"] == "r.csv"
    assert "registry" in entry.object_repr


def test_readers_number_lines(tmp_path):
    csv_path = write(tmp_path, "a.csv", "\ufeffa,b\n1,2\n\n3,4\n")  # with a byte-order mark
    assert list(read_csv(csv_path)) == [(2, {"a": "1", "b": "2"}), (4, {"a": "3", "b": "4"})]
    jsonl_path = write(tmp_path, "a.jsonl", '{"a": 1}\n\n{"a": 2}\n')
    assert list(read_jsonl(jsonl_path)) == [(1, {"a": 1}), (3, {"a": 2})]


def test_a_file_that_is_not_utf8_is_refused(db, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes((REGISTRY_HEADER + "\n" + "浙江,QY-1\n").encode("gbk"))
    with pytest.raises(DomainError, match="not UTF-8"):
        import_file(path)
    assert not AuditEntry.objects.filter(action=IMPORT_ACTION).exists()


# The command


def test_command_prints_the_report_and_the_errors(db, tmp_path):
    text = registry_csv(3) + f"{uscc(9)},QY-9,2026-11-31,active,,false,false,A\n"
    path = write(tmp_path, "registry.csv", text)
    out = run_command("registry", str(path))
    assert "rows: 4; created: 3, updated: 0, unchanged: 0, with errors: 1." in out
    assert "line 5, as_of: Not a date in the form YYYY-MM-DD" in out
    again = run_command("registry", str(path))
    assert "created: 0, updated: 0, unchanged: 3, with errors: 1." in again


def test_command_shows_only_the_first_errors(db, tmp_path):
    text = (
        REGISTRY_HEADER
        + "\n"
        + "".join(f"bad{n},QY-{n},2026-11-01,active,,,,A\n" for n in range(4))
    )
    out = run_command(
        "registry",
        str(write(tmp_path, "bad.csv", text + registry_csv(1).split("\n", 1)[1])),
        "--show-errors",
        "1",
    )
    assert "line 2, uscc:" in out
    assert "line 3" not in out
    assert "… and 3 more rows with errors." in out


def test_command_format_from_extension_or_option(db, tmp_path):
    row = {
        "uscc": uscc(0),
        "record_id": "ZSL-0",
        "as_of": "2026-11-01",
        **MINIMAL_ROWS["food_chain"],
    }
    line = json.dumps(row) + "\n"
    assert "created: 1" in run_command("food_chain", str(write(tmp_path, "f.jsonl", line)))
    other = write(tmp_path, "f.txt", line.replace("ZSL-0", "ZSL-1"))
    with pytest.raises(CommandError, match="--format"):
        run_command("food_chain", str(other))
    assert "created: 1" in run_command("food_chain", str(other), "--format", "jsonl")


def test_command_exits_1_when_every_row_failed(db, tmp_path):
    path = write(
        tmp_path, "bad.csv", REGISTRY_HEADER + "\nnot-a-code,QY-1,2026-11-01,active,,,,A\n"
    )
    with pytest.raises(CommandError, match="Every row failed") as caught:
        run_command("registry", str(path))
    assert caught.value.returncode == 1
    assert not RegistryRecord.objects.exists()


def test_command_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run_command("registry", str(tmp_path / "missing.csv"))


def test_command_unknown_source(db, tmp_path):
    with pytest.raises(CommandError):
        run_command("weather", str(write(tmp_path, "x.csv", registry_csv(1))))
