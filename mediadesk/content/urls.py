from django.urls import path

from mediadesk.content import views

app_name = "content"
urlpatterns = [
    path("", views.home, name="home"),
]
