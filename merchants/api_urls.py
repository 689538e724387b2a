from django.urls import path
from rest_framework.routers import DefaultRouter

from merchants.api.auth import OwnTokenListView, OwnTokenRevokeView, TokenObtainView
from merchants.api.declarations import DeclarationViewSet
from merchants.api.feeds import FeedPushView
from merchants.api.merchants import MerchantViewSet
from merchants.api.regions import RegionViewSet
from merchants.api.schemes import SchemeViewSet
from merchants.api.stations import StationViewSet
from merchants.api.worklist import WorklistView

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="api-region")
router.register("schemes", SchemeViewSet, basename="api-scheme")
router.register("merchants", MerchantViewSet, basename="api-merchant")
router.register("declarations", DeclarationViewSet, basename="api-declaration")
router.register("stations", StationViewSet, basename="api-station")

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("auth/tokens/", OwnTokenListView.as_view(), name="api-token-list"),
    path("auth/tokens/<str:key>/", OwnTokenRevokeView.as_view(), name="api-token-revoke"),
    path("feeds/<str:source>/", FeedPushView.as_view(), name="api-feed-push"),
    path("worklist/", WorklistView.as_view(), name="api-worklist"),
    *router.urls,
]
