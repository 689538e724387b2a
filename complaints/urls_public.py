from django.urls import path

from complaints import public

urlpatterns = [
    path("complaints/new/", public.complaint_new, name="complaint-new"),
    path("complaints/mine/", public.complaint_mine, name="complaint-mine"),
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
]
