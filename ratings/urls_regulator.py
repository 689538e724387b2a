"""The regulator's pool pages, mounted at /ratings/."""

from django.urls import path

from ratings import regulator_views as views

urlpatterns = [
    path("pools/", views.pool_browser, name="pool-browser"),
    path("pools/export.csv", views.pool_browser_csv, name="pool-browser-csv"),
    path("pools/<int:merchant_pk>/", views.pool_merchant, name="pool-merchant"),
    path(
        "pools/<int:merchant_pk>/rectifications/<int:pk>/decide/",
        views.rectification_decide,
        name="pool-rectification-decide",
    ),
    path(
        "pools/<int:merchant_pk>/appeals/<int:pk>/decide/",
        views.appeal_decide_view,
        name="pool-appeal-decide",
    ),
    path("pools/<int:merchant_pk>/exit/", views.merchant_exit, name="pool-exit"),
    path("rectifications/", views.rectification_queue, name="rectification-queue"),
    path("appeals/", views.appeal_queue, name="appeal-queue"),
    path("nominations/", views.nomination_list, name="nomination-list"),
    path("runs/", views.run_list, name="run-list"),
]
