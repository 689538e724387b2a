from django.urls import path

from review.views import campaigns, inspections, merchant_inspections, patrols
from review.views import queue as queue_views

urlpatterns = [
    path("", queue_views.queue, name="review-queue"),
    path("bulk-approve/", queue_views.bulk_approve, name="review-bulk-approve"),
    path("declarations/<int:pk>/", queue_views.detail, name="review-detail"),
    path("declarations/<int:pk>/claim/", queue_views.claim, name="review-claim"),
    path("declarations/<int:pk>/release/", queue_views.release, name="review-release"),
    path("declarations/<int:pk>/approve/", queue_views.approve, name="review-approve"),
    path("declarations/<int:pk>/reject/", queue_views.reject, name="review-reject"),
    path("declarations/<int:pk>/return/", queue_views.return_for_amendment, name="review-return"),
    path("declarations/<int:pk>/rescreen/", queue_views.rescreen, name="review-rescreen"),
    # Quality control: campaigns (supervisors), visits (inspectors), the merchant's side.
    path("campaigns/", campaigns.campaign_list, name="campaign-list"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign-detail"),
    path("campaigns/<int:pk>/draw/", campaigns.campaign_draw, name="campaign-draw"),
    path("campaigns/<int:pk>/verify/", campaigns.campaign_verify, name="campaign-verify"),
    path("campaigns/<int:pk>/close/", campaigns.campaign_close, name="campaign-close"),
    path(
        "campaigns/<int:pk>/draw.csv",
        campaigns.campaign_export_csv,
        name="campaign-export-csv",
    ),
    path(
        "campaigns/<int:pk>/draw.json",
        campaigns.campaign_export_json,
        name="campaign-export-json",
    ),
    path("inspections/", inspections.assignments, name="inspection-assignments"),
    path("inspections/<int:pk>/", inspections.record, name="inspection-record"),
    path(
        "inspections/<int:pk>/accept/",
        inspections.rectification_accept,
        name="inspection-accept",
    ),
    path(
        "inspections/<int:pk>/reject/",
        inspections.rectification_reject,
        name="inspection-reject",
    ),
    path(
        "inspections/<int:pk>/files/<int:file_pk>/",
        inspections.inspection_file,
        name="inspection-file",
    ),
    # Coordinators' unscheduled visits (巡查), seen by the regulators of their region.
    path("patrols/", patrols.patrol_list, name="patrol-list"),
    path("patrols/new/", patrols.patrol_create, name="patrol-create"),
    path("patrols/<int:pk>/", patrols.patrol_detail, name="patrol-detail"),
    path(
        "patrols/<int:pk>/photos/<int:photo_pk>/",
        patrols.patrol_photo,
        name="patrol-photo",
    ),
    path(
        "merchant-inspections/",
        merchant_inspections.merchant_list,
        name="merchant-inspections",
    ),
    path(
        "merchant-inspections/<int:pk>/",
        merchant_inspections.merchant_detail,
        name="merchant-inspection-detail",
    ),
    path(
        "merchant-inspections/<int:pk>/rectify/",
        merchant_inspections.merchant_rectify,
        name="merchant-inspection-rectify",
    ),
    path(
        "merchant-inspections/<int:pk>/files/<int:file_pk>/",
        merchant_inspections.merchant_file,
        name="merchant-inspection-file",
    ),
]
