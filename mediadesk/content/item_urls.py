from django.urls import path

from mediadesk.content import views

urlpatterns = [
    path("", views.home, name="home"),
]
