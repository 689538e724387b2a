from django.urls import path

from storefront.api import (
    PublicMerchantDetailView,
    PublicMerchantListView,
    PublicStationListView,
)

urlpatterns = [
    path("merchants/", PublicMerchantListView.as_view(), name="api-public-merchant-list"),
    path(
        "merchants/<str:public_code>/",
        PublicMerchantDetailView.as_view(),
        name="api-public-merchant-detail",
    ),
    path("stations/", PublicStationListView.as_view(), name="api-public-station-list"),
]
