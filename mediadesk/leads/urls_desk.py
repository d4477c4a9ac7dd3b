from django.urls import path

from mediadesk.leads import views

urlpatterns = [
    path("", views.home, name="home"),
]
