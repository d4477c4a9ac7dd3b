"""Calendar URLs, composed into content/urls.py (namespace "content")."""

from django.urls import path

from mediadesk.content import calendar_views

urlpatterns = [
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar/feed/", calendar_views.calendar_feed, name="calendar_feed"),
    path(
        "calendar/variants/<str:pk>/reschedule/",
        calendar_views.calendar_reschedule,
        name="calendar_reschedule",
    ),
]
