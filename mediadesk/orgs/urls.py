from django.urls import path

from mediadesk.orgs import views

app_name = "orgs"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/totp/", views.login_totp, name="login_totp"),
    path("logout/", views.logout_view, name="logout"),
    path("settings/", views.settings_index, name="settings"),
    path("settings/users/", views.user_list, name="users"),
    path("settings/users/export.xlsx", views.user_export, name="user_export"),
    path("settings/users/new/", views.user_create, name="user_create"),
    path("settings/users/project-options/", views.project_options, name="project_options"),
    path("settings/users/<int:pk>/", views.user_detail, name="user_detail"),
    path("settings/users/<int:pk>/edit/", views.user_edit, name="user_edit"),
    path("settings/users/<int:pk>/roles/", views.role_grant, name="role_grant"),
    path(
        "settings/users/<int:pk>/roles/<int:grant_pk>/revoke/",
        views.role_revoke,
        name="role_revoke",
    ),
    path(
        "settings/users/<int:pk>/password/", views.user_password_reset, name="user_password_reset"
    ),
    path("settings/users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("settings/users/<int:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("settings/organisation/", views.structure, name="structure"),
    path("settings/organisation/companies/", views.company_create, name="company_create"),
    path("settings/organisation/projects/", views.project_create, name="project_create"),
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.profile_password, name="profile_password"),
    path("profile/language/", views.profile_language, name="profile_language"),
    path("profile/totp/", views.totp_setup, name="totp_setup"),
    path("profile/totp/disable/", views.totp_disable, name="totp_disable"),
    path("profile/tokens/", views.token_create, name="token_create"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
