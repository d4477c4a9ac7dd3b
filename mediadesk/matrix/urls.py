from django.urls import path

from mediadesk.matrix import views

app_name = "matrix"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("accounts/", views.account_list, name="list"),
    path("accounts/export.xlsx", views.export, name="export"),
    path("accounts/new/", views.create, name="create"),
    path("accounts/<int:pk>/", views.detail, name="detail"),
    path("accounts/<int:pk>/edit/", views.edit, name="edit"),
    path("accounts/<int:pk>/custody/", views.custody, name="custody"),
    path("accounts/<int:pk>/delete/", views.delete, name="delete"),
    path("accounts/<int:pk>/credentials/new/", views.credential_add, name="credential_add"),
    path(
        "accounts/<int:pk>/credentials/<int:cred_pk>/reveal/",
        views.credential_reveal,
        name="credential_reveal",
    ),
    path(
        "accounts/<int:pk>/credentials/<int:cred_pk>/delete/",
        views.credential_delete,
        name="credential_delete",
    ),
    path("standards/", views.standards, name="standards"),
    path("standards/export.xlsx", views.standards_export, name="standards_export"),
    path("import/", views.import_upload, name="import"),
    path("import/preview/", views.import_preview, name="import_preview"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("platforms/", views.platforms, name="platforms"),
    path("platforms/new/", views.platform_edit, name="platform_create"),
    path("platforms/<int:pk>/", views.platform_edit, name="platform_edit"),
    path("rules/", views.rules_list, name="rules"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
]
