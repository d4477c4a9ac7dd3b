"""URLs of the analytics dashboards, tables and reports; `home` is the overview dashboard."""

from django.urls import path

from mediadesk.analytics import views_dash as views

urlpatterns = [
    path("", views.overview, name="home"),
    path("panels/", views.panels, name="panels"),
    path("monitoring/", views.monitoring, name="monitoring"),
    path("monitoring.xlsx", views.monitoring_export, name="monitoring_export"),
    path("monitoring/<int:pk>/edit/", views.analysis_edit, name="analysis_edit"),
    path("monitoring/<int:pk>/row/", views.analysis_row, name="analysis_row"),
    path("report/", views.report, name="report"),
    path("accounts/<int:pk>/", views.account, name="account"),
    path("abtests/", views.abtests, name="abtests"),
    path("abtests/<int:pk>/", views.abtest_detail, name="abtest"),
    path("abtests/arms/<int:pk>/", views.abtest_arm, name="abtest_arm"),
    path("benchmarks/", views.benchmarks, name="benchmarks"),
]
