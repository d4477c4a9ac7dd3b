from django.urls import path

from mediadesk.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("deliveries/", views.inbox, name="deliveries"),
]
