"""The complaint pages (included at the root): the public intake and tracking, the merchant's
desk and the regulator's queue, public disclosure."""

from django.urls import path

from complaints.views import desks, disclosure, filing, lookup, public, queue_tools, stations

urlpatterns = [
    # The consumer: intake, their complaints, tracking by token
    path("complaints/new/", public.complaint_new, name="complaint-new"),
    path("complaints/mine/", public.complaint_mine, name="complaint-mine"),
    path("complaints/find/", lookup.complaint_lookup, name="complaint-lookup"),
    path("complaints/t/<str:token>/", public.complaint_track, name="complaint-track"),
    path(
        "complaints/t/<str:token>/accept/",
        public.complaint_accept_proposal,
        name="complaint-track-accept",
    ),
    path(
        "complaints/t/<str:token>/reject/",
        public.complaint_reject_proposal,
        name="complaint-track-reject",
    ),
    path(
        "complaints/t/<str:token>/withdraw/",
        public.complaint_withdraw,
        name="complaint-track-withdraw",
    ),
    path(
        "complaints/t/<str:token>/reopen/", public.complaint_reopen, name="complaint-track-reopen"
    ),
    path("complaints/t/<str:token>/rate/", public.complaint_rate, name="complaint-track-rate"),
    path(
        "complaints/t/<str:token>/message/",
        public.complaint_message,
        name="complaint-track-message",
    ),
    path(
        "complaints/t/<str:token>/attach/", public.complaint_attach, name="complaint-track-attach"
    ),
    path(
        "complaints/t/<str:token>/evidence/<int:pk>/",
        public.complaint_evidence,
        name="complaint-track-evidence",
    ),
    # Coordinators and hotline operators: filing for callers, and what they filed
    path("complaints/file/", filing.complaint_file, name="complaint-file"),
    path("complaints/filed/", filing.complaint_filed_list, name="complaint-filed"),
    path(
        "complaints/filed/<int:pk>/", filing.complaint_filed_detail, name="complaint-filed-detail"
    ),
    # A liaison station's complaints, for the handlers who reach the station
    path(
        "complaints/stations/<int:pk>/",
        stations.station_complaints,
        name="complaint-station",
    ),
    # The merchant's desk
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
    # The regulator's queue
    path("complaints/queue/", desks.queue, name="complaint-queue"),
    path(
        "complaints/queue/export.csv",
        queue_tools.queue_export_csv,
        name="complaint-queue-export-csv",
    ),
    path(
        "complaints/queue/export.xlsx",
        queue_tools.queue_export_xlsx,
        name="complaint-queue-export-xlsx",
    ),
    path(
        "complaints/queue/<int:pk>/case-file/",
        queue_tools.queue_case_file,
        name="complaint-queue-case-file",
    ),
    path("complaints/queue/<int:pk>/", desks.queue_detail, name="complaint-queue-detail"),
    path("complaints/queue/<int:pk>/claim/", desks.queue_claim, name="complaint-queue-claim"),
    path("complaints/queue/<int:pk>/accept/", desks.queue_accept, name="complaint-queue-accept"),
    path("complaints/queue/<int:pk>/decline/", desks.queue_decline, name="complaint-queue-decline"),
    path("complaints/queue/<int:pk>/settle/", desks.queue_settle, name="complaint-queue-settle"),
    path("complaints/queue/<int:pk>/fail/", desks.queue_fail, name="complaint-queue-fail"),
    path("complaints/queue/<int:pk>/message/", desks.queue_message, name="complaint-queue-message"),
    # … linked to a merchant, handled directly, transferred (complaints.services.handling)
    path("complaints/queue/<int:pk>/link/", desks.queue_link, name="complaint-queue-link"),
    path("complaints/queue/<int:pk>/direct/", desks.queue_direct, name="complaint-queue-direct"),
    path("complaints/queue/<int:pk>/contact/", desks.queue_contact, name="complaint-queue-contact"),
    path("complaints/queue/<int:pk>/pass/", desks.queue_pass, name="complaint-queue-pass"),
    path(
        "complaints/queue/<int:pk>/transfer/",
        desks.queue_transfer,
        name="complaint-queue-transfer",
    ),
    path(
        "complaints/queue/<int:pk>/transfer/accept/",
        desks.queue_transfer_accept,
        name="complaint-queue-transfer-accept",
    ),
    path(
        "complaints/queue/<int:pk>/transfer/refuse/",
        desks.queue_transfer_refuse,
        name="complaint-queue-transfer-refuse",
    ),
    path(
        "complaints/queue/<int:pk>/transfer-out/",
        desks.queue_transfer_out,
        name="complaint-queue-transfer-out",
    ),
    path(
        "complaints/queue/<int:pk>/return-call/",
        desks.queue_return_call,
        name="complaint-queue-return-call",
    ),
    path(
        "complaints/queue/<int:pk>/evidence/<int:evidence_pk>/",
        desks.queue_evidence,
        name="complaint-queue-evidence",
    ),
    # Public disclosure, and the merchants' preview of it
    path("disclosures/", disclosure.disclosure_list, name="disclosure-list"),
    path("disclosures/preview/", disclosure.disclosure_preview, name="disclosure-preview"),
    path("disclosures/flags/", disclosure.disclosure_flags, name="disclosure-flags"),
    path(
        "disclosures/flags/<int:pk>/decide/",
        disclosure.disclosure_flag_decide,
        name="disclosure-flag-decide",
    ),
    path("disclosures/preview/<int:pk>/flag/", disclosure.disclosure_flag, name="disclosure-flag"),
    path(
        "disclosures/preview/<int:pk>/reply/", disclosure.disclosure_reply, name="disclosure-reply"
    ),
    path("disclosures/<int:pk>/", disclosure.disclosure_detail, name="disclosure-detail"),
    path("disclosures/<int:pk>.csv", disclosure.disclosure_csv, name="disclosure-csv"),
]
