from django.urls import path

from mediadesk.private import views

app_name = "private"
urlpatterns = [path("", views.members, name="members")]
