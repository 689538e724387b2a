"""django-filter FilterSets for the API. They narrow an already scoped queryset, never widen it."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from common.filters import IdFilter
from merchants.models import Declaration, DeclarationState, Industry, Merchant, Region
from merchants.selectors import subtree_q
from merchants.validators import normalize_uscc


class RegionFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Region.Level.choices, label=_("level"))
    parent = django_filters.CharFilter(
        field_name="parent_id", label=_("parent region code, e.g. 330100 for Hangzhou")
    )

    class Meta:
        model = Region
        fields = ["level", "parent"]


class MerchantFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(
        field_name="region_id", label=_("county code, e.g. 330106 for Xihu")
    )
    city = django_filters.CharFilter(
        field_name="region__parent_id",
        label=_("city code: merchants in any county of the city, e.g. 330100"),
    )
    industry = django_filters.ChoiceFilter(choices=Industry.choices, label=_("industry"))
    search = django_filters.CharFilter(
        method="filter_search",
        label=_("part of the name, or the start of the unified social credit code"),
    )

    class Meta:
        model = Merchant
        fields = ["region", "city", "industry", "search"]

    def filter_search(self, queryset: QuerySet[Merchant], name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        # A prefix match on the unique USCC index stays fast over the whole province.
        return queryset.filter(Q(name__icontains=value) | Q(uscc__startswith=normalize_uscc(value)))


class DeclarationFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(
        choices=DeclarationState.choices, label=_("state (repeat for several)")
    )
    scheme = django_filters.CharFilter(field_name="scheme__code", label=_("scheme code"))
    merchant = IdFilter(field_name="merchant_id", label=_("merchant id"))
    region = django_filters.CharFilter(
        method="filter_region",
        label=_("region code (province, city or county): declarations of merchants in it"),
    )

    class Meta:
        model = Declaration
        fields = ["state", "scheme", "merchant", "region"]

    def filter_region(self, queryset: QuerySet[Declaration], name: str, value: str) -> QuerySet:
        region = Region.objects.filter(code=value.strip()).first()
        if region is None:
            return queryset.none()
        return queryset.filter(subtree_q(region))
