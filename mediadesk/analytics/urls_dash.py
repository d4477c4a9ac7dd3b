"""URLs of the analytics dashboards, tables and reports (until they exist, `home` opens the
metric import page)."""

from django.urls import URLPattern, path
from django.views.generic import RedirectView

urlpatterns: list[URLPattern] = [
    path("", RedirectView.as_view(pattern_name="analytics:import"), name="home"),
]
