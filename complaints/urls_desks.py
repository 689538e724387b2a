"""The merchant's complaint desk and the regulator's complaint queue (included at the root)."""

from django.urls import path

from complaints import desks

urlpatterns = [
    path("complaints/merchant/", desks.merchant_desk, name="complaint-merchant-desk"),
    path("complaints/merchant/<int:pk>/", desks.merchant_detail, name="complaint-merchant-detail"),
    path(
        "complaints/merchant/<int:pk>/propose/",
        desks.merchant_propose,
        name="complaint-merchant-propose",
    ),
    path(
        "complaints/merchant/<int:pk>/dispute/",
        desks.merchant_dispute,
        name="complaint-merchant-dispute",
    ),
    path(
        "complaints/merchant/<int:pk>/message/",
        desks.merchant_message,
        name="complaint-merchant-message",
    ),
    path(
        "complaints/merchant/<int:pk>/evidence/<int:evidence_pk>/",
        desks.merchant_evidence,
        name="complaint-merchant-evidence",
    ),
    path("complaints/queue/", desks.queue, name="complaint-queue"),
    path("complaints/queue/<int:pk>/", desks.queue_detail, name="complaint-queue-detail"),
    path("complaints/queue/<int:pk>/claim/", desks.queue_claim, name="complaint-queue-claim"),
    path("complaints/queue/<int:pk>/accept/", desks.queue_accept, name="complaint-queue-accept"),
    path("complaints/queue/<int:pk>/decline/", desks.queue_decline, name="complaint-queue-decline"),
    path("complaints/queue/<int:pk>/settle/", desks.queue_settle, name="complaint-queue-settle"),
    path("complaints/queue/<int:pk>/fail/", desks.queue_fail, name="complaint-queue-fail"),
    path("complaints/queue/<int:pk>/message/", desks.queue_message, name="complaint-queue-message"),
    path(
        "complaints/queue/<int:pk>/evidence/<int:evidence_pk>/",
        desks.queue_evidence,
        name="complaint-queue-evidence",
    ),
]
