from django.urls import path

from mediadesk.compliance import views

app_name = "compliance"
urlpatterns = [
    path("", views.terms, name="terms"),
    path("terms/new/", views.term_edit, name="term_create"),
    path("terms/<int:pk>/", views.term_edit, name="term_edit"),
    path("terms/<int:pk>/toggle/", views.term_toggle, name="term_toggle"),
    path("terms/export/", views.export_terms, name="export"),
    path("whitelist/", views.whitelist, name="whitelist"),
    path("whitelist/<int:pk>/toggle/", views.whitelist_toggle, name="whitelist_toggle"),
    path("rules/", views.patterns, name="patterns"),
    path("rules/new/", views.pattern_edit, name="pattern_create"),
    path("rules/<int:pk>/", views.pattern_edit, name="pattern_edit"),
    path("try/", views.try_check, name="try"),
    path("import/", views.import_upload, name="import"),
    path("import/preview/", views.import_preview, name="import_preview"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("import/template/", views.import_template, name="import_template"),
]
