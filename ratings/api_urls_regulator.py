"""The regulator's pool API, mounted at /api/v1/ratings/ (beside the merchant side's)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ratings.regulator_api import (
    EvaluationRunViewSet,
    MerchantExitView,
    NominationViewSet,
    RegulatorAppealViewSet,
    RegulatorRectificationViewSet,
    RegulatorStandingViewSet,
)

router = SimpleRouter()
router.register("standings", RegulatorStandingViewSet, basename="api-pool-standing")
router.register("rectifications", RegulatorRectificationViewSet, basename="api-pool-rectification")
router.register("appeals", RegulatorAppealViewSet, basename="api-pool-appeal")
router.register("nominations", NominationViewSet, basename="api-pool-nomination")
router.register("runs", EvaluationRunViewSet, basename="api-pool-run")

urlpatterns = [
    path("merchants/<int:merchant_pk>/exit/", MerchantExitView.as_view(), name="api-pool-exit"),
    *router.urls,
]
