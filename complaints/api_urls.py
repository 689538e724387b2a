from django.urls import path
from rest_framework.routers import SimpleRouter

from complaints.api.desks import ComplaintTransferViewSet, ComplaintViewSet
from complaints.api.disclosure import (
    DisclosureFlagViewSet,
    DisclosurePreviewViewSet,
    DisclosureViewSet,
)
from complaints.api.public import (
    ComplaintIntakeView,
    ComplaintLookupVerifyView,
    ComplaintLookupView,
    ComplaintTrackViewSet,
    MerchantFiguresView,
)

router = SimpleRouter()
router.register("disclosures", DisclosureViewSet, basename="api-disclosure")
router.register("disclosure-preview", DisclosurePreviewViewSet, basename="api-disclosure-preview")
router.register("disclosure-flags", DisclosureFlagViewSet, basename="api-disclosure-flag")
router.register("track", ComplaintTrackViewSet, basename="api-complaint-track")
router.register("transfers", ComplaintTransferViewSet, basename="api-complaint-transfer")
router.register("", ComplaintViewSet, basename="api-complaint")

urlpatterns = [
    path("intake/", ComplaintIntakeView.as_view(), name="api-complaint-intake"),
    path("lookup/", ComplaintLookupView.as_view(), name="api-complaint-lookup"),
    path("lookup/verify/", ComplaintLookupVerifyView.as_view(), name="api-complaint-lookup-verify"),
    path(
        "figures/<str:public_code>/",
        MerchantFiguresView.as_view(),
        name="api-merchant-complaint-figures",
    ),
    *router.urls,
]
