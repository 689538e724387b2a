from django.urls import path

from supervision import views

urlpatterns = [
    path("supervision/", views.dashboard, name="supervision"),
    path("supervision/download/", views.download, name="supervision-download"),
]
