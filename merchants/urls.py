from django.urls import path

from merchants import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/signup/", views.signup, name="signup"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("merchants/register/", views.merchant_register, name="merchant-register"),
    path("merchants/<int:pk>/", views.merchant_detail, name="merchant-detail"),
    path("merchants/<int:pk>/edit/", views.merchant_edit, name="merchant-edit"),
    path("merchants/<int:pk>/staff/", views.merchant_staff, name="merchant-staff"),
    path(
        "merchants/<int:pk>/staff/invitations/<int:invitation_pk>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path(
        "merchants/<int:pk>/staff/members/<int:membership_pk>/remove/",
        views.membership_remove,
        name="membership-remove",
    ),
    path(
        "merchants/<int:pk>/declarations/new/",
        views.declaration_create,
        name="declaration-create",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("declarations/<int:pk>/", views.declaration_detail, name="declaration-detail"),
    path("declarations/<int:pk>/edit/", views.declaration_edit, name="declaration-edit"),
    path("declarations/<int:pk>/submit/", views.declaration_submit, name="declaration-submit"),
    path(
        "declarations/<int:pk>/withdraw/", views.declaration_withdraw, name="declaration-withdraw"
    ),
    path(
        "declarations/<int:pk>/documents/<int:doc_pk>/",
        views.declaration_document,
        name="declaration-document",
    ),
    path(
        "declarations/<int:pk>/documents/<int:doc_pk>/remove/",
        views.declaration_document_remove,
        name="declaration-document-remove",
    ),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox-read-all"),
    path("inbox/<int:pk>/", views.inbox_open, name="inbox-open"),
    path("regulator/merchants/", views.regulator_merchants, name="regulator-merchants"),
    path("regulator/declarations/", views.regulator_declarations, name="regulator-declarations"),
]
