from django.urls import include, path

urlpatterns = [
    path("", include("complaints.urls_public")),
    path("", include("complaints.urls_desks")),
    path("", include("complaints.urls_disclosure")),
]
