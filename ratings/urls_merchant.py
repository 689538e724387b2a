"""The merchant's standing pages (ratings.merchant_views)."""

from django.urls import path

from ratings import merchant_views

urlpatterns = [
    path("standing/", merchant_views.standing_list, name="standing-list"),
    path(
        "merchants/<int:pk>/standing/",
        merchant_views.standing_merchant,
        name="standing-merchant",
    ),
    path(
        "merchants/<int:pk>/standing/rectify/",
        merchant_views.standing_rectify,
        name="standing-rectify",
    ),
    path(
        "merchants/<int:pk>/standing/appeal/<int:change_pk>/",
        merchant_views.standing_appeal,
        name="standing-appeal",
    ),
    path("ratings/files/<int:pk>/", merchant_views.rating_file, name="rating-file"),
]
