from django.urls import path

from mediadesk.orgs import views

app_name = "orgs"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/totp/", views.login_totp, name="login_totp"),
    path("logout/", views.logout_view, name="logout"),
    path("settings/", views.settings_index, name="settings"),
    path("profile/", views.profile, name="profile"),
]
