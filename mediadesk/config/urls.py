from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog

from mediadesk.api import api
from mediadesk.core import registry
from mediadesk.core.views import healthz, media

urlpatterns = [
    path("", include("mediadesk.core.urls")),
    path("", include("mediadesk.orgs.urls")),
    path("matrix/", include("mediadesk.matrix.urls")),
    path("notifications/", include("mediadesk.notifications.urls")),
    path("content/", include("mediadesk.content.urls")),
    path("review/", include("mediadesk.review.urls")),
    path("compliance/", include("mediadesk.compliance.urls")),
    path("analytics/", include("mediadesk.analytics.urls")),
    path("leads/", include("mediadesk.leads.urls")),
    path("commissions/", include("mediadesk.commissions.urls")),
    *(
        path(p.url_prefix, include(f"mediadesk.{p.app}.urls"))
        for p in registry.plugs()
        if p.url_prefix
    ),
    path("api/v1/", api.urls),
    path("healthz", healthz),
    # The scripts' translations (gettext() in static JS), in the user's language.
    path("jsi18n/", login_not_required(JavaScriptCatalog.as_view()), name="jsi18n"),
    re_path(r"^media/(?P<path>.*)$", media),
]
