from django.urls import path

from mediadesk.matrix import views

app_name = "matrix"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("accounts/", views.account_list, name="list"),
    path("accounts/<int:pk>/", views.detail, name="detail"),
]
