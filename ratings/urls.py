"""The ratings pages: the merchant's standing (at the root) and the regulator's pools (under
/ratings/)."""

from django.urls import path

from ratings.views import merchant, regulator

urlpatterns = [
    # The merchant's standing.
    path("standing/", merchant.standing_list, name="standing-list"),
    path(
        "merchants/<int:pk>/standing/",
        merchant.standing_merchant,
        name="standing-merchant",
    ),
    path(
        "merchants/<int:pk>/standing/rectify/",
        merchant.standing_rectify,
        name="standing-rectify",
    ),
    path(
        "merchants/<int:pk>/standing/appeal/<int:change_pk>/",
        merchant.standing_appeal,
        name="standing-appeal",
    ),
    path("ratings/files/<int:pk>/", merchant.rating_file, name="rating-file"),
    # The regulator's pools.
    path("ratings/pools/", regulator.pool_browser, name="pool-browser"),
    path("ratings/pools/export.csv", regulator.pool_browser_csv, name="pool-browser-csv"),
    path("ratings/pools/<int:merchant_pk>/", regulator.pool_merchant, name="pool-merchant"),
    path(
        "ratings/pools/<int:merchant_pk>/rectifications/<int:pk>/decide/",
        regulator.rectification_decide,
        name="pool-rectification-decide",
    ),
    path(
        "ratings/pools/<int:merchant_pk>/appeals/<int:pk>/decide/",
        regulator.appeal_decide_view,
        name="pool-appeal-decide",
    ),
    path("ratings/pools/<int:merchant_pk>/exit/", regulator.merchant_exit, name="pool-exit"),
    path("ratings/rectifications/", regulator.rectification_queue, name="rectification-queue"),
    path("ratings/appeals/", regulator.appeal_queue, name="appeal-queue"),
    path("ratings/nominations/", regulator.nomination_list, name="nomination-list"),
    path("ratings/runs/", regulator.run_list, name="run-list"),
]
