"""The province → city → county tree (read-only)."""

from rest_framework import serializers, viewsets

from common.api import ApiPagination
from merchants.api.filters import RegionFilter
from merchants.models import Region
from merchants.selectors import region_list


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True, read_only=True)

    class Meta:
        model = Region
        fields = ("code", "name", "level", "parent")


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """The province → city → county tree (GB/T 2260 codes)."""

    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    pagination_class = ApiPagination
    lookup_field = "code"
    lookup_value_regex = r"\d{6}"

    def get_queryset(self):
        return region_list()
