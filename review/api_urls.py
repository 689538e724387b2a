from rest_framework.routers import SimpleRouter

from review.api import ReviewDeclarationViewSet

router = SimpleRouter()
router.register("declarations", ReviewDeclarationViewSet, basename="api-review-declaration")

urlpatterns = router.urls
