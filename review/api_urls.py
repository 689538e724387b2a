from rest_framework.routers import SimpleRouter

from review.api.campaigns import CampaignViewSet
from review.api.inspections import InspectionViewSet
from review.api.merchant_inspections import MerchantInspectionViewSet
from review.api.patrols import PatrolViewSet
from review.api.queue import ReviewDeclarationViewSet

router = SimpleRouter()
router.register("declarations", ReviewDeclarationViewSet, basename="api-review-declaration")
router.register("campaigns", CampaignViewSet, basename="api-campaign")
router.register("inspections", InspectionViewSet, basename="api-inspection")
router.register("patrols", PatrolViewSet, basename="api-patrol")
router.register(
    "merchant-inspections", MerchantInspectionViewSet, basename="api-merchant-inspection"
)

urlpatterns = router.urls
