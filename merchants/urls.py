from django.urls import path

from merchants.views import accounts as account_views
from merchants.views import declarations as declaration_views
from merchants.views import home as home_views
from merchants.views import inbox as inbox_views
from merchants.views import merchant_file as file_views
from merchants.views import merchants as merchant_views
from merchants.views import regulator as regulator_views
from merchants.views import stations as station_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("accounts/signup/", home_views.signup, name="signup"),
    path("dashboard/", home_views.dashboard, name="dashboard"),
    path("worklist/", home_views.worklist, name="worklist"),
    path("account/", account_views.account_settings, name="account-settings"),
    path("account/tokens/", account_views.api_tokens, name="account-tokens"),
    path(
        "account/tokens/revoke-all/",
        account_views.api_tokens_revoke_all,
        name="account-tokens-revoke-all",
    ),
    path(
        "account/tokens/<str:key>/revoke/",
        account_views.api_token_revoke,
        name="account-token-revoke",
    ),
    path("merchants/register/", merchant_views.merchant_register, name="merchant-register"),
    path("merchants/<int:pk>/", merchant_views.merchant_detail, name="merchant-detail"),
    path("merchants/<int:pk>/file/", file_views.merchant_file_page, name="merchant-file"),
    path("merchants/<int:pk>/file.json", file_views.merchant_file_json, name="merchant-file-json"),
    path("merchants/<int:pk>/edit/", merchant_views.merchant_edit, name="merchant-edit"),
    path("merchants/<int:pk>/staff/", merchant_views.merchant_staff, name="merchant-staff"),
    path(
        "merchants/<int:pk>/county-change/",
        merchant_views.county_change_request,
        name="merchant-county-change",
    ),
    path(
        "merchants/<int:pk>/staff/invitations/<int:invitation_pk>/revoke/",
        merchant_views.invitation_revoke,
        name="invitation-revoke",
    ),
    path(
        "merchants/<int:pk>/staff/members/<int:membership_pk>/remove/",
        merchant_views.membership_remove,
        name="membership-remove",
    ),
    path(
        "merchants/<int:pk>/declarations/new/",
        declaration_views.declaration_create,
        name="declaration-create",
    ),
    path("invitations/<str:token>/", merchant_views.invitation_accept, name="invitation-accept"),
    path("declarations/<int:pk>/", declaration_views.declaration_detail, name="declaration-detail"),
    path(
        "declarations/<int:pk>/edit/", declaration_views.declaration_edit, name="declaration-edit"
    ),
    path(
        "declarations/<int:pk>/submit/",
        declaration_views.declaration_submit,
        name="declaration-submit",
    ),
    path(
        "declarations/<int:pk>/withdraw/",
        declaration_views.declaration_withdraw,
        name="declaration-withdraw",
    ),
    path(
        "declarations/<int:pk>/documents/<int:doc_pk>/",
        declaration_views.declaration_document,
        name="declaration-document",
    ),
    path(
        "declarations/<int:pk>/documents/<int:doc_pk>/remove/",
        declaration_views.declaration_document_remove,
        name="declaration-document-remove",
    ),
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("inbox/read-all/", inbox_views.inbox_read_all, name="inbox-read-all"),
    path("inbox/<int:pk>/", inbox_views.inbox_open, name="inbox-open"),
    path("regulator/merchants/", regulator_views.regulator_merchants, name="regulator-merchants"),
    path(
        "regulator/county-changes/",
        merchant_views.regulator_county_changes,
        name="regulator-county-changes",
    ),
    path(
        "regulator/county-changes/<int:request_pk>/decide/",
        merchant_views.county_change_decide,
        name="county-change-decide",
    ),
    path("regulator/stations/", station_views.station_list, name="station-list"),
    path("regulator/stations/new/", station_views.station_create, name="station-create"),
    path("regulator/stations/<int:pk>/", station_views.station_edit, name="station-edit"),
    path(
        "regulator/declarations/",
        regulator_views.regulator_declarations,
        name="regulator-declarations",
    ),
]
