from django.urls import include, path, re_path

from mediadesk.api import api
from mediadesk.core.views import healthz, media

urlpatterns = [
    path("", include("mediadesk.core.urls")),
    path("", include("mediadesk.orgs.urls")),
    path("matrix/", include("mediadesk.matrix.urls")),
    path("notifications/", include("mediadesk.notifications.urls")),
    path("api/v1/", api.urls),
    path("healthz", healthz),
    re_path(r"^media/(?P<path>.*)$", media),
]
