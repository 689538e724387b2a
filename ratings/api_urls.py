"""The ratings API, mounted at /api/v1/ratings/: the merchant's standing and the regulator's
pools."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ratings.api import merchant
from ratings.api.regulator.appeals import RegulatorAppealViewSet
from ratings.api.regulator.nominations import NominationViewSet
from ratings.api.regulator.pools import MerchantExitView, RegulatorStandingViewSet
from ratings.api.regulator.runs import EvaluationRunViewSet
from ratings.api.regulator.warnings import RegulatorRectificationViewSet

router = SimpleRouter()
router.register("standings", RegulatorStandingViewSet, basename="api-pool-standing")
router.register("rectifications", RegulatorRectificationViewSet, basename="api-pool-rectification")
router.register("appeals", RegulatorAppealViewSet, basename="api-pool-appeal")
router.register("nominations", NominationViewSet, basename="api-pool-nomination")
router.register("runs", EvaluationRunViewSet, basename="api-pool-run")

urlpatterns = [
    # The merchant's standing.
    path(
        "merchants/<int:pk>/standing/",
        merchant.MerchantStandingView.as_view(),
        name="api-standing",
    ),
    path(
        "merchants/<int:pk>/rectifications/",
        merchant.MerchantRectificationView.as_view(),
        name="api-standing-rectifications",
    ),
    path(
        "merchants/<int:pk>/appeals/",
        merchant.MerchantAppealView.as_view(),
        name="api-standing-appeals",
    ),
    # The regulator's pools.
    path("merchants/<int:merchant_pk>/exit/", MerchantExitView.as_view(), name="api-pool-exit"),
    *router.urls,
]
