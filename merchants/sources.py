"""External data behind one interface per source, keyed by USCC (DESIGN.md, "External data").

Screening asks a source through its Protocol and gets plain frozen dataclasses back, never model
instances, so a deployment can swap the default adapter (which reads the platform's own tables,
filled by `records_import`) for a client of the real service: name a class per source in the
setting `EXTERNAL_SOURCE_ADAPTERS` and `get_source` builds it. Each fact carries the source's
record id and as-of date, and `to_json()` so screening can store what it looked at.

Every method has a bulk variant taking a list of USCCs and answering for each of them in one
query per call (screening a batch of declarations costs one query per source). An adapter whose
backend is down raises `SourceUnavailable`.
"""

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import date
from functools import cache
from typing import Any, ClassVar, Literal, Protocol, overload

from django.conf import settings
from django.db import models
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from merchants.models import (
    ColdChainRecord,
    ExternalRecord,
    FoodChainRecord,
    PenaltyRecord,
    QualityRecord,
    RegistryRecord,
)

SourceName = Literal["registry", "quality", "food_chain", "cold_chain", "enforcement", "complaints"]


class SourceUnavailable(Exception):
    """The source's backend did not answer; the caller may retry later."""

    def __init__(self, source: str, message: str = "") -> None:
        super().__init__(message or source)
        self.source = source
        self.message = message


# Facts


@dataclass(frozen=True, slots=True)
class SourceFact:
    record_id: str
    as_of: date
    uscc: str

    def to_json(self) -> dict[str, Any]:
        """A dict for a JSONField: dates as ISO strings."""
        return {
            key: value.isoformat() if isinstance(value, date) else value
            for key, value in asdict(self).items()
        }


@dataclass(frozen=True, slots=True)
class RegistryFacts(SourceFact):
    entity_status: str  # RegistryRecord.Status
    licence_valid_until: date | None  # None: long-term (长期)
    on_abnormal_list: bool
    on_dishonest_list: bool
    credit_level: str  # RegistryRecord.Credit


@dataclass(frozen=True, slots=True)
class SpotCheck(SourceFact):
    checked_on: date
    product: str
    result: str  # QualityRecord.Result


@dataclass(frozen=True, slots=True)
class FoodPermit(SourceFact):
    permit_number: str
    permit_valid_until: date
    traceability_compliant: bool


@dataclass(frozen=True, slots=True)
class ColdChainCheck(SourceFact):
    checked_on: date
    compliant: bool
    note: str


@dataclass(frozen=True, slots=True)
class Penalty(SourceFact):
    decided_on: date
    severity: str  # PenaltyRecord.Severity
    description: str


# Interfaces. Bulk variants answer for every USCC asked: None or [] when the source knows nothing.


class RegistrySource(Protocol):
    def entity(self, uscc: str) -> RegistryFacts | None:
        """The entity's latest registry record (by as-of date), or None if unknown."""
        ...

    def entity_bulk(self, usccs: Iterable[str]) -> dict[str, RegistryFacts | None]: ...


class QualitySource(Protocol):
    def spot_checks(self, uscc: str, since: date) -> list[SpotCheck]:
        """Spot checks on or after `since`, newest first."""
        ...

    def spot_checks_bulk(self, usccs: Iterable[str], since: date) -> dict[str, list[SpotCheck]]: ...


class FoodChainSource(Protocol):
    def permits(self, uscc: str) -> list[FoodPermit]:
        """The entity's food permits, each at its latest record, longest-valid first."""
        ...

    def permits_bulk(self, usccs: Iterable[str]) -> dict[str, list[FoodPermit]]: ...


class ColdChainSource(Protocol):
    def records(self, uscc: str, since: date) -> list[ColdChainCheck]:
        """Cold-chain checks on or after `since`, newest first."""
        ...

    def records_bulk(
        self, usccs: Iterable[str], since: date
    ) -> dict[str, list[ColdChainCheck]]: ...


class EnforcementSource(Protocol):
    def penalties(self, uscc: str, since: date) -> list[Penalty]:
        """Administrative penalties decided on or after `since`, newest first."""
        ...

    def penalties_bulk(self, usccs: Iterable[str], since: date) -> dict[str, list[Penalty]]: ...


@dataclass(frozen=True, slots=True)
class ComplaintCounts(SourceFact):
    open: int  # accepted and not yet closed
    recent: int  # lodged since the window's start, neither declined nor withdrawn
    since: date


class ComplaintSource(Protocol):
    """The platform's own complaints (the complaints app registers the adapter, see
    source_register_default: this app only names the interface and never imports complaints)."""

    def counts_bulk(self, usccs: Iterable[str], since: date) -> dict[str, ComplaintCounts]: ...


# Default adapters: the platform's tables.


class _TableSource:
    """Reads one record table into facts with one query per call, however many USCCs."""

    model: ClassVar[type[ExternalRecord]]
    fact: ClassVar[type[SourceFact]]
    since_field: ClassVar[str | None] = None
    # Newest first; ties broken by the latest import, then the highest id.
    order: ClassVar[tuple[str, ...]] = ("-as_of", "-imported_at", "-id")

    def _query(self, usccs: list[str], since: date | None) -> models.QuerySet:
        # A one-element IN is planned like an equality; the uscc index serves both.
        queryset = self.model._default_manager.filter(uscc__in=usccs)
        if self.since_field is not None and since is not None:
            queryset = queryset.filter(**{f"{self.since_field}__gte": since})
        return queryset.order_by(*self.order).values_list(*(f.name for f in fields(self.fact)))

    def _grouped(self, usccs: Iterable[str], since: date | None) -> dict[str, list[Any]]:
        wanted = list(dict.fromkeys(usccs))
        grouped: dict[str, list[Any]] = {uscc: [] for uscc in wanted}
        if not wanted:
            return grouped
        fact = self.fact
        for row in self._query(wanted, since):
            item = fact(*row)
            grouped[item.uscc].append(item)
        return grouped


class RegistryTableSource(_TableSource):
    model = RegistryRecord
    fact = RegistryFacts

    def entity(self, uscc: str) -> RegistryFacts | None:
        return self.entity_bulk([uscc])[uscc]

    def entity_bulk(self, usccs: Iterable[str]) -> dict[str, RegistryFacts | None]:
        return {
            uscc: facts[0] if facts else None for uscc, facts in self._grouped(usccs, None).items()
        }


class QualityTableSource(_TableSource):
    model = QualityRecord
    fact = SpotCheck
    since_field = "checked_on"
    order = ("-checked_on", "-as_of", "-id")

    def spot_checks(self, uscc: str, since: date) -> list[SpotCheck]:
        return self.spot_checks_bulk([uscc], since)[uscc]

    def spot_checks_bulk(self, usccs: Iterable[str], since: date) -> dict[str, list[SpotCheck]]:
        return self._grouped(usccs, since)


class FoodChainTableSource(_TableSource):
    model = FoodChainRecord
    fact = FoodPermit

    def permits(self, uscc: str) -> list[FoodPermit]:
        return self.permits_bulk([uscc])[uscc]

    def permits_bulk(self, usccs: Iterable[str]) -> dict[str, list[FoodPermit]]:
        result: dict[str, list[FoodPermit]] = {}
        for uscc, records in self._grouped(usccs, None).items():
            latest: dict[str, FoodPermit] = {}
            for permit in records:  # newest record first: a permit's first record is its latest
                latest.setdefault(permit.permit_number, permit)
            result[uscc] = sorted(
                latest.values(), key=lambda p: (p.permit_valid_until, p.as_of), reverse=True
            )
        return result


class ColdChainTableSource(_TableSource):
    model = ColdChainRecord
    fact = ColdChainCheck
    since_field = "checked_on"
    order = ("-checked_on", "-as_of", "-id")

    def records(self, uscc: str, since: date) -> list[ColdChainCheck]:
        return self.records_bulk([uscc], since)[uscc]

    def records_bulk(self, usccs: Iterable[str], since: date) -> dict[str, list[ColdChainCheck]]:
        return self._grouped(usccs, since)


class EnforcementTableSource(_TableSource):
    model = PenaltyRecord
    fact = Penalty
    since_field = "decided_on"
    order = ("-decided_on", "-as_of", "-id")

    def penalties(self, uscc: str, since: date) -> list[Penalty]:
        return self.penalties_bulk([uscc], since)[uscc]

    def penalties_bulk(self, usccs: Iterable[str], since: date) -> dict[str, list[Penalty]]:
        return self._grouped(usccs, since)


DEFAULT_ADAPTERS: dict[str, str] = {
    "registry": "merchants.sources.RegistryTableSource",
    "quality": "merchants.sources.QualityTableSource",
    "food_chain": "merchants.sources.FoodChainTableSource",
    "cold_chain": "merchants.sources.ColdChainTableSource",
    "enforcement": "merchants.sources.EnforcementTableSource",
}


def source_register_default(name: str, path: str) -> None:
    """A higher app's default adapter for a source this app names but cannot read itself (the
    complaints app registers "complaints" in its ready())."""
    DEFAULT_ADAPTERS[name] = path


@cache
def _adapter(path: str) -> Any:
    # One instance per configured path: a client may keep a connection pool.
    return import_string(path)()


@overload
def get_source(name: Literal["registry"]) -> RegistrySource: ...
@overload
def get_source(name: Literal["quality"]) -> QualitySource: ...
@overload
def get_source(name: Literal["food_chain"]) -> FoodChainSource: ...
@overload
def get_source(name: Literal["cold_chain"]) -> ColdChainSource: ...
@overload
def get_source(name: Literal["enforcement"]) -> EnforcementSource: ...
@overload
def get_source(name: Literal["complaints"]) -> ComplaintSource: ...
@overload
def get_source(name: str) -> Any: ...  # a name known only at run time (the rules' sources)
def get_source(name: str) -> Any:
    """The adapter configured for the source in `EXTERNAL_SOURCE_ADAPTERS` (default: its table)."""
    configured = {**DEFAULT_ADAPTERS, **getattr(settings, "EXTERNAL_SOURCE_ADAPTERS", {})}
    if name not in configured:
        raise LookupError(
            _("Unknown external data source “%(name)s”; the sources are: %(names)s.")
            % {"name": name, "names": ", ".join(configured)}
        )
    return _adapter(configured[name])
