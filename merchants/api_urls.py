from django.urls import path
from rest_framework.routers import DefaultRouter

from merchants.api import (
    DeclarationViewSet,
    MerchantViewSet,
    RegionViewSet,
    SchemeViewSet,
    TokenObtainView,
)
from merchants.feeds_api import FeedPushView

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="api-region")
router.register("schemes", SchemeViewSet, basename="api-scheme")
router.register("merchants", MerchantViewSet, basename="api-merchant")
router.register("declarations", DeclarationViewSet, basename="api-declaration")

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("feeds/<str:source>/", FeedPushView.as_view(), name="api-feed-push"),
    *router.urls,
]
