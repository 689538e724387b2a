"""Adapters for a source whose backend is down, named in settings.EXTERNAL_SOURCE_ADAPTERS."""

from collections.abc import Callable
from typing import Any

from merchants.sources import SourceUnavailable


class _Down:
    source = ""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)

        def unavailable(*args: Any, **kwargs: Any) -> Any:
            raise SourceUnavailable(self.source, "connection refused (test)")

        return unavailable


class RegistryDown(_Down):
    source = "registry"


class QualityDown(_Down):
    source = "quality"


class FoodChainDown(_Down):
    source = "food_chain"


class ColdChainDown(_Down):
    source = "cold_chain"


class EnforcementDown(_Down):
    source = "enforcement"


DOWN = {
    "registry": "tests.review.fake_sources.RegistryDown",
    "quality": "tests.review.fake_sources.QualityDown",
    "food_chain": "tests.review.fake_sources.FoodChainDown",
    "cold_chain": "tests.review.fake_sources.ColdChainDown",
    "enforcement": "tests.review.fake_sources.EnforcementDown",
}


def sources_down(settings: Any, *names: str) -> None:
    """Make the named sources raise SourceUnavailable for the rest of the test."""
    settings.EXTERNAL_SOURCE_ADAPTERS = {name: DOWN[name] for name in names}
