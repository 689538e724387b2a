"""The merchant's standing over the API, mounted at /api/v1/ratings/."""

from django.urls import path

from ratings import merchant_api

urlpatterns = [
    path(
        "merchants/<int:pk>/standing/",
        merchant_api.MerchantStandingView.as_view(),
        name="api-standing",
    ),
    path(
        "merchants/<int:pk>/rectifications/",
        merchant_api.MerchantRectificationView.as_view(),
        name="api-standing-rectifications",
    ),
    path(
        "merchants/<int:pk>/appeals/",
        merchant_api.MerchantAppealView.as_view(),
        name="api-standing-appeals",
    ),
]
