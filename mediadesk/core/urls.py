from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from mediadesk.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("soon/<slug:area>/", views.soon, name="soon"),
    path("audit/", views.audit_list, name="audit"),
    path("audit/export.xlsx", views.audit_export, name="audit_export"),
    # Browsers and bookmark tools ask for /favicon.ico whatever the page says.
    path(
        "favicon.ico",
        login_not_required(
            RedirectView.as_view(url=static("mediadesk/favicon.svg"), permanent=True)
        ),
    ),
]
