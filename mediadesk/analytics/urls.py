"""Analytics URLs: the dashboards and reports (urls_dash) and the metric imports (urls_import)."""

from mediadesk.analytics import urls_dash, urls_import

app_name = "analytics"
urlpatterns = [*urls_dash.urlpatterns, *urls_import.urlpatterns]
