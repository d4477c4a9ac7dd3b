from django.urls import path

from mediadesk.leads import views

app_name = "leads"
urlpatterns = [
    path("", views.home, name="home"),
]
