from django.urls import path

from storefront import views

urlpatterns = [
    # One store, one code: public, no login.
    path("s/", views.store_search, name="store-search"),
    path("s/<str:public_code>/", views.store_page, name="store-page"),
    path("s/<str:public_code>/qr.svg", views.store_qr_svg, name="store-qr-svg"),
    path("s/<str:public_code>/qr.png", views.store_qr_png, name="store-qr-png"),
    path("s/<str:public_code>/poster/", views.store_poster, name="store-poster"),
    # Village liaison stations: public, no login.
    path("stations/", views.station_public_list, name="station-public-list"),
]
