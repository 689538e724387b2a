from django.urls import path

from review import inspection_views, views

urlpatterns = [
    path("", views.queue, name="review-queue"),
    path("bulk-approve/", views.bulk_approve, name="review-bulk-approve"),
    path("declarations/<int:pk>/", views.detail, name="review-detail"),
    path("declarations/<int:pk>/claim/", views.claim, name="review-claim"),
    path("declarations/<int:pk>/release/", views.release, name="review-release"),
    path("declarations/<int:pk>/approve/", views.approve, name="review-approve"),
    path("declarations/<int:pk>/reject/", views.reject, name="review-reject"),
    path("declarations/<int:pk>/return/", views.return_for_amendment, name="review-return"),
    path("declarations/<int:pk>/rescreen/", views.rescreen, name="review-rescreen"),
    path("inspections/", inspection_views.assignments, name="inspection-assignments"),
    path("inspections/<int:pk>/", inspection_views.record, name="inspection-record"),
    path(
        "merchant-inspections/<int:pk>/",
        inspection_views.merchant_detail,
        name="merchant-inspection-detail",
    ),
]
