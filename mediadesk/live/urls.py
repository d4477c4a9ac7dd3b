from django.urls import path

from mediadesk.live import options_views, plan_views, views

app_name = "live"

urlpatterns = [
    path("", views.plan, name="plan"),
    path("plan.xlsx", views.plan_export, name="plan_export"),
    path("sessions/<int:pk>/", views.session, name="session"),
    path("sessions/<int:pk>/console/", views.console, name="console"),
    path("sessions/<int:pk>/capture/", views.capture, name="capture"),
    path("sessions/<int:pk>/confirm/<str:code>/", views.confirm, name="confirm"),
    path("sessions/<int:pk>/cover/", views.cover, name="cover"),
    path("scripts/", views.scripts, name="scripts"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("figures/import/", views.figures_import, name="figures_import"),
    path("figures/import/preview/", views.figures_preview, name="figures_preview"),
    path("scripts/new/", views.script_edit, name="script_new"),
    path("scripts/<int:pk>/", views.script_edit, name="script_edit"),
    path("sessions/<int:pk>/status/", views.status, name="status"),
    path("sessions/<int:pk>/review/", views.review, name="review"),
    path("sessions/<int:pk>/edit/", views.edit, name="edit"),
    path("sessions/<int:pk>/leads/import/", views.leads_import, name="leads_import"),
    path("sessions/<int:pk>/campaign/", views.campaign, name="campaign"),
    path("sessions/<int:pk>/scripts/<int:script_pk>/use/", views.script_use, name="script_use"),
    path("ranking/", views.ranking, name="ranking"),
    path("plan/import/", plan_views.plan_import, name="plan_import"),
    path("plan/import/preview/", plan_views.plan_import_preview, name="plan_import_preview"),
    path("options/", options_views.options, name="options"),
    path("sessions/<int:pk>/scripts/", views.choose_scripts, name="choose_scripts"),
    path(
        "sessions/<int:pk>/actions/<int:action_pk>/close/", views.close_action, name="close_action"
    ),
]
