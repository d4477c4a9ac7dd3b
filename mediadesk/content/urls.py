"""Content URLs: the planning pages (item_urls) and the calendar (calendar_urls)."""

from mediadesk.content import calendar_urls, item_urls

app_name = "content"
urlpatterns = [*item_urls.urlpatterns, *calendar_urls.urlpatterns]
