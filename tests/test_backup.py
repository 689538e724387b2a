"""Backup → drop → restore → the same row counts and files (issue 14, finding 13).

On SQLite the restore goes into a new database file; on PostgreSQL (DATABASE_URL postgres, as in
CI) into a separate database this test creates and drops, with pg_dump/pg_restore.
"""

import json
import shutil
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from complaints.models import Complaint
from config.backup import BackupError, database_counts, restore
from merchants.services.declarations import declaration_attach_document
from tests.factories import (
    DeclarationFactory,
    MembershipFactory,
    MerchantFactory,
    UserFactory,
    pdf_upload,
    png_upload,
    scheme,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def some_data(reference_data):
    owner = UserFactory(username="backup-owner")
    merchant = MerchantFactory(name="备份茶楼")
    MembershipFactory(user=owner, merchant=merchant)
    declaration = DeclarationFactory(
        merchant=merchant, created_by=owner, scheme=scheme("assured-unit")
    )
    documents = list(declaration.scheme.required_documents.all()[:2])
    for required, upload in zip(documents, [pdf_upload(), png_upload()], strict=False):
        declaration_attach_document(
            actor=owner, declaration=declaration, required_document=required, upload=upload
        )
    return merchant


@pytest.fixture
def empty_database(tmp_path):
    """A DATABASES entry for a new, empty database (dropped after the test)."""
    default = connection.settings_dict
    if connection.vendor == "sqlite":
        yield {**default, "NAME": str(tmp_path / "restored.sqlite3")}
        return
    if connection.vendor != "postgresql":
        pytest.skip(f"backup supports PostgreSQL and SQLite, not {connection.vendor}")
    for binary in ("pg_dump", "pg_restore"):
        if shutil.which(binary) is None:
            pytest.skip(f"{binary} is not installed (the PostgreSQL client binaries)")
    name = f"{default['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield {**default, "NAME": name}
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def test_backup_then_restore_into_an_empty_system(some_data, empty_database, tmp_path, settings):
    target = tmp_path / "backup"
    call_command("backup", str(target))
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["engine"] == connection.vendor.replace("postgresql", "postgresql")
    assert manifest["tables"]["merchants_merchant"] >= 1
    assert manifest["tables"]["merchants_declarationdocument"] == 2
    assert len(manifest["media"]) == 2
    source_counts = database_counts(connection.settings_dict)
    assert source_counts == manifest["tables"]

    # The "dropped" system: an empty database and an empty media directory.
    media = tmp_path / "restored-media"
    restore(target, database=empty_database, media_root=media)

    assert database_counts(empty_database) == source_counts
    originals = sorted(p.relative_to(settings.MEDIA_ROOT) for p in settings.MEDIA_ROOT.rglob("*"))
    restored = sorted(p.relative_to(media) for p in media.rglob("*"))
    assert restored == originals
    for path in settings.MEDIA_ROOT.rglob("*"):
        if path.is_file():
            assert (media / path.relative_to(settings.MEDIA_ROOT)).read_bytes() == path.read_bytes()


def test_restore_refuses_a_system_that_is_not_empty(some_data, empty_database, tmp_path):
    target = tmp_path / "backup"
    call_command("backup", str(target))
    # The running database has tables: refused, nothing touched.
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(target))
    # An empty database but a media directory with a file: refused.
    media = tmp_path / "busy-media"
    media.mkdir()
    (media / "left-over.txt").write_text("x")
    with pytest.raises(BackupError, match="holds files"):
        restore(target, database=empty_database, media_root=media)
    assert database_counts(empty_database) == {}
    assert Complaint.objects.count() == 0


def test_backup_refuses_a_directory_that_is_not_empty(some_data, tmp_path):
    target = tmp_path / "backup"
    target.mkdir()
    (target / "old").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(target))
