"""Facts for a batch of declarations, fetched once per source for the whole batch.

Screening 30,000 declarations must not ask a source 30,000 times: the first rule that needs a
source triggers one bulk call for every merchant of the batch, and later rules read the answer.
A source that is down is asked once; every rule reading it then reports "unavailable".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from merchants.models import CLOSED_DECLARATION_STATES, Declaration, Permit
from merchants.sources import SourceUnavailable, get_source

# Sources whose records are asked for "since" a date: the earliest window of the batch's rules.
WINDOWED_SOURCES = frozenset({"quality", "cold_chain", "enforcement", "complaints"})


def _fetch(source: str, usccs: list[str], since: date | None) -> dict[str, Any]:
    adapter = get_source(source)
    if source == "registry":
        return adapter.entity_bulk(usccs)
    if source == "food_chain":
        return adapter.permits_bulk(usccs)
    assert since is not None, f"{source} is asked for records since a date"
    if source == "quality":
        return adapter.spot_checks_bulk(usccs, since)
    if source == "cold_chain":
        return adapter.records_bulk(usccs, since)
    if source == "enforcement":
        return adapter.penalties_bulk(usccs, since)
    if source == "complaints":
        return adapter.counts_bulk(usccs, since)
    raise LookupError(source)


class BatchFacts:
    def __init__(
        self,
        declarations: Iterable[Declaration],
        *,
        windows: dict[str, date] | None = None,
    ) -> None:
        self.declarations = list(declarations)
        self.usccs = list(dict.fromkeys(d.merchant.uscc for d in self.declarations))
        self.windows = windows or {}
        self._answers: dict[str, dict[str, Any] | SourceUnavailable] = {}
        self._permits: dict[int, list[Permit]] | None = None
        self._open_duplicates: dict[int, list[Declaration]] | None = None

    def get(self, source: str, uscc: str) -> Any:
        """The source's answer for one merchant; raises SourceUnavailable if it is down."""
        if source not in self._answers:
            try:
                self._answers[source] = _fetch(source, self.usccs, self.windows.get(source))
            except SourceUnavailable as exc:
                self._answers[source] = exc
        answer = self._answers[source]
        if isinstance(answer, SourceUnavailable):
            raise answer
        return answer.get(uscc)

    def permits(self, merchant_id: int) -> list[Permit]:
        """The merchant's own permits (from its profile), longest valid first."""
        if self._permits is None:
            self._permits = defaultdict(list)
            merchant_ids = {d.merchant_id for d in self.declarations}
            for permit in Permit.objects.filter(merchant_id__in=merchant_ids).order_by(
                "-valid_until", "id"
            ):
                self._permits[permit.merchant_id].append(permit)
        return self._permits.get(merchant_id, [])

    def open_duplicates(self, declaration: Declaration) -> list[Declaration]:
        """Other open declarations of the same merchant for the same scheme."""
        if self._open_duplicates is None:
            self._open_duplicates = defaultdict(list)
            by_pair: dict[tuple[int, int], list[Declaration]] = defaultdict(list)
            others = (
                Declaration.objects.filter(
                    merchant_id__in={d.merchant_id for d in self.declarations}
                )
                .exclude(state__in=[s.value for s in CLOSED_DECLARATION_STATES])
                .only("pk", "merchant_id", "scheme_id", "state")
            )
            for other in others:
                by_pair[(other.merchant_id, other.scheme_id)].append(other)
            for d in self.declarations:
                self._open_duplicates[d.pk] = [
                    o for o in by_pair[(d.merchant_id, d.scheme_id)] if o.pk != d.pk
                ]
        return self._open_duplicates.get(declaration.pk, [])
