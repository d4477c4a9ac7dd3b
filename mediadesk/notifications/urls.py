from django.urls import path

from mediadesk.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/read/", views.mark_read, name="read"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("robots/", views.robot_list, name="robots"),
    path("robots/new/", views.robot_create, name="robot_create"),
    path("robots/<int:pk>/", views.robot_edit, name="robot_edit"),
    path("robots/<int:pk>/delete/", views.robot_delete, name="robot_delete"),
    path("robots/<int:pk>/test/", views.robot_test, name="robot_test"),
    path("deliveries/", views.delivery_list, name="deliveries"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="delivery_retry"),
]
