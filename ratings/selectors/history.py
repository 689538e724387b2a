"""The ratings part of a merchant's history (merchants.services.history): the standing, pool
history, evaluations, warnings, appeals and (regulators only) nominations — for the exported
zip and the merchant's file."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from merchants.models import Merchant, Pool
from merchants.services.history import (
    Column,
    FileRow,
    HistorySection,
    TimelineEntry,
    file_entry,
    model_cells,
    record,
    shown,
)
from ratings.models import (
    Appeal,
    Evaluation,
    Nomination,
    PoolChange,
    RatingFile,
    Standing,
    Trigger,
    WarningRectification,
)
from ratings.selectors.evaluation import COMPONENT_LABELS


def rating_history(*, merchant: Merchant, full: bool, viewer: Any = None) -> list[HistorySection]:
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

    # The standing's page: the regulators' pool page, or the merchant's own.
    url = ""
    if viewer is not None:
        url = (
            reverse("pool-merchant", args=[merchant.pk])
            if full
            else reverse("standing-merchant", args=[merchant.pk])
        )
    standings = list(Standing.objects.filter(merchant=merchant))
    changes = list(PoolChange.objects.filter(merchant=merchant).order_by("pk"))
    evaluations = list(Evaluation.objects.filter(merchant=merchant).order_by("pk"))
    rectifications = list(WarningRectification.objects.filter(merchant=merchant).order_by("pk"))
    appeals = list(
        Appeal.objects.filter(merchant=merchant).select_related("decision").order_by("pk")
    )
    sections = [
        _standing_section(standings, url),
        _pool_change_section(changes, url),
        _evaluation_section(evaluations, url),
        _warning_section(changes, rectifications, with_files, url),
        _appeal_section(appeals, with_files, files, url),
    ]
    if full:
        sections.append(_nomination_section(merchant))
    return sections


def _pool_text(pool: str, stars: int) -> str:
    if not pool:
        return "—"
    text = str(Pool(pool).label)
    return f"{text} {'★' * stars}" if stars else text


def _standing_section(standings: list[Standing], url: str) -> HistorySection:
    names = ("pool", "stars", "score", "since", "rectification_due", "reentry_after")
    return HistorySection(
        "standing",
        [record(s) for s in standings],
        title=_("Standing"),
        columns=[
            Column("pool", _("Pool")),
            Column("stars", _("Stars")),
            Column("score", _("Score")),
            Column("since", _("In this pool since")),
            Column("rectification_due", _("Rectify by")),
            Column("reentry_after", _("May declare again from")),
        ],
        rows=[
            FileRow({**model_cells(s, names), "stars": "★" * s.stars or "—"}, url)
            for s in standings
        ],
        order=40,
    )


def _pool_change_section(changes: list[PoolChange], url: str) -> HistorySection:
    rows, timeline = [], []
    for change in changes:
        move = f"{_pool_text(change.from_pool, change.from_stars)} → " + _pool_text(
            change.to_pool, change.to_stars
        )
        rows.append(
            FileRow(
                {
                    "created_at": shown(change.created_at),
                    "move": move,
                    "reason_code": change.get_reason_code_display(),
                    "reason": change.reason,
                },
                url,
            )
        )
        text = _("Pool: %(move)s (%(why)s)") % {"move": move, "why": change.reason}
        timeline.append(TimelineEntry(change.created_at, text, url))
    return HistorySection(
        "pool_changes",
        [record(c) for c in changes],
        title=_("Pool history"),
        columns=[
            Column("created_at", _("Time")),
            Column("move", _("Move")),
            Column("reason_code", _("Reason code")),
            Column("reason", _("Reason")),
        ],
        rows=rows,
        timeline=timeline,
        order=41,
    )


def _evaluation_section(evaluations: list[Evaluation], url: str) -> HistorySection:
    rows, timeline = [], []
    for evaluation in evaluations:
        components = "; ".join(
            f"{COMPONENT_LABELS.get(name, name)}: {points}"
            for name, points in evaluation.components.items()
        )
        triggers = ", ".join(
            str(Trigger(code).label) if code in Trigger.values else code
            for code in evaluation.triggers
        )
        rows.append(
            FileRow(
                {
                    "evaluated_at": shown(evaluation.evaluated_at),
                    "score": str(evaluation.score),
                    "components": components,
                    "triggers": triggers,
                },
                url,
            )
        )
        timeline.append(
            TimelineEntry(
                evaluation.evaluated_at,
                _("Evaluated: score %(score)d") % {"score": evaluation.score},
                url,
            )
        )
    return HistorySection(
        "evaluations",
        [record(e) for e in evaluations],
        title=_("Evaluations"),
        columns=[
            Column("evaluated_at", _("Evaluated at")),
            Column("score", _("Score")),
            Column("components", _("Components")),
            Column("triggers", _("Warning triggers")),
        ],
        rows=rows,
        timeline=timeline,
        order=42,
    )


def _warning_section(
    changes: list[PoolChange],
    rectifications: list[WarningRectification],
    with_files: Any,
    url: str,
) -> HistorySection:
    """Each move into the warning pool with the merchant's rectification reports on it."""
    reports: dict[int, list[WarningRectification]] = {}
    timeline = []
    for report in rectifications:
        reports.setdefault(report.warning_id, []).append(report)
        timeline.append(
            TimelineEntry(
                report.submitted_at, _("Rectification report on a warning submitted"), url
            )
        )
        if report.decided_at:
            timeline.append(
                TimelineEntry(
                    report.decided_at,
                    _("Rectification report on a warning: %(decision)s")
                    % {"decision": report.get_decision_display()}
                    + (f"\n{report.decision_reason}" if report.decision_reason else ""),
                    url,
                )
            )
    rows = []
    for warning in (c for c in changes if c.to_pool == Pool.WARNING):
        answered = sorted(reports.get(warning.pk, []), key=lambda r: r.submitted_at)
        rows.append(
            FileRow(
                {
                    "created_at": shown(warning.created_at),
                    "reason": warning.reason,
                    "reports": "\n".join(
                        f"{shown(r.submitted_at)}: {r.report}"
                        + (f" → {r.get_decision_display()}" if r.decision else "")
                        + (f" ({r.decision_reason})" if r.decision_reason else "")
                        for r in answered
                    ),
                },
                url,
            )
        )
    return HistorySection(
        "warning_rectifications",
        [with_files("warning", r) for r in rectifications],
        title=_("Warnings"),
        columns=[
            Column("created_at", _("Warned")),
            Column("reason", _("Reason")),
            Column("reports", _("Rectification reports")),
        ],
        rows=rows,
        timeline=timeline,
        order=43,
    )


def _appeal_section(
    appeals: list[Appeal], with_files: Any, files: list, url: str
) -> HistorySection:
    rows, timeline = [], []
    for appeal in appeals:
        cells = model_cells(
            appeal, ("submitted_at", "statement", "decide_by", "state", "outcome_reason")
        )
        cells["decision"] = appeal.decision.get_reason_code_display()
        rows.append(FileRow(cells, url))
        timeline.append(
            TimelineEntry(
                appeal.submitted_at,
                _("Appeal against “%(decision)s” lodged") % {"decision": cells["decision"]},
                url,
            )
        )
        if appeal.decided_at:
            timeline.append(
                TimelineEntry(
                    appeal.decided_at,
                    _("Appeal decided: %(state)s") % {"state": appeal.get_state_display()},
                    url,
                )
            )
    return HistorySection(
        "appeals",
        [with_files("appeal", a) for a in appeals],
        files,
        title=_("Appeals"),
        columns=[
            Column("submitted_at", _("Submitted")),
            Column("decision", _("Decision appealed")),
            Column("statement", _("The merchant's reasons")),
            Column("decide_by", _("To be decided by")),
            Column("state", _("State")),
            Column("outcome_reason", _("Reasons for the outcome")),
        ],
        rows=rows,
        timeline=timeline,
        order=44,
    )


def _nomination_section(merchant: Merchant) -> HistorySection:
    nominations = list(
        Nomination.objects.filter(merchant=merchant).select_related("nominated_by").order_by("pk")
    )
    return HistorySection(
        "nominations",
        [record(n) for n in nominations],
        title=_("Nominations"),
        columns=[
            Column("created_at", _("Nominated at")),
            Column("nominated_by", _("Nominated by")),
            Column("message", _("Message to the merchant")),
            Column("entered_at", _("Entered the selection pool")),
        ],
        rows=[
            FileRow(
                {
                    **model_cells(n, ("created_at", "message", "entered_at")),
                    "nominated_by": n.nominated_by.display_name if n.nominated_by else "",
                }
            )
            for n in nominations
        ],
        timeline=[TimelineEntry(n.created_at, _("Nominated by a regulator")) for n in nominations],
        order=45,
    )
