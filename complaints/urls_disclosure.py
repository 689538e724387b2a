from django.urls import path

from complaints import disclosure_views as views

urlpatterns = [
    path("disclosures/", views.disclosure_list, name="disclosure-list"),
    path("disclosures/preview/", views.disclosure_preview, name="disclosure-preview"),
    path("disclosures/flags/", views.disclosure_flags, name="disclosure-flags"),
    path("disclosures/preview/<int:pk>/flag/", views.disclosure_flag, name="disclosure-flag"),
    path("disclosures/preview/<int:pk>/reply/", views.disclosure_reply, name="disclosure-reply"),
    path("disclosures/<int:pk>/", views.disclosure_detail, name="disclosure-detail"),
    path("disclosures/<int:pk>.csv", views.disclosure_csv, name="disclosure-csv"),
]
