"""The ratings part of a merchant's exported history (merchants.services.history)."""

from merchants.models import Merchant
from merchants.services.history import HistorySection, file_entry, record
from ratings.models import (
    Appeal,
    Evaluation,
    Nomination,
    PoolChange,
    RatingFile,
    Standing,
    WarningRectification,
)


def rating_history(*, merchant: Merchant, full: bool) -> list[HistorySection]:
    """The standing, every pool move and evaluation, warnings' rectifications and appeals with
    their files; nominations (a regulator's invitation) in the regulator's copy only."""
    files, by_parent = [], {}
    for item in RatingFile.objects.filter(merchant=merchant).order_by("uploaded_at", "pk"):
        entry, stored = file_entry("ratings", item)
        files.append(stored)
        key = ("appeal", item.appeal_id) if item.appeal_id else ("warning", item.rectification_id)
        by_parent.setdefault(key, []).append(entry)

    def with_files(kind: str, obj: object) -> dict:
        return {**record(obj), "files": by_parent.get((kind, obj.pk), [])}

    sections = [
        HistorySection("standing", [record(s) for s in Standing.objects.filter(merchant=merchant)]),
        HistorySection(
            "pool_changes",
            [record(c) for c in PoolChange.objects.filter(merchant=merchant).order_by("pk")],
        ),
        HistorySection(
            "evaluations",
            [record(e) for e in Evaluation.objects.filter(merchant=merchant).order_by("pk")],
        ),
        HistorySection(
            "warning_rectifications",
            [
                with_files("warning", r)
                for r in WarningRectification.objects.filter(merchant=merchant).order_by("pk")
            ],
        ),
        HistorySection(
            "appeals",
            [
                with_files("appeal", a)
                for a in Appeal.objects.filter(merchant=merchant).order_by("pk")
            ],
            files,
        ),
    ]
    if full:
        sections.append(
            HistorySection(
                "nominations",
                [record(n) for n in Nomination.objects.filter(merchant=merchant).order_by("pk")],
            )
        )
    return sections
