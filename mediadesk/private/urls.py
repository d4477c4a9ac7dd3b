from django.urls import path

from mediadesk.private import views

app_name = "private"
urlpatterns = [
    path("", views.members, name="members"),
    path("export/", views.export, name="export"),
    path("members/<int:pk>/", views.member, name="member"),
    path("members/<int:pk>/reveal/", views.reveal, name="reveal"),
    path("segments/", views.segments, name="segments"),
    path("lifecycle/", views.lifecycle, name="lifecycle"),
    path("wakeup/", views.wakeup, name="wakeup"),
    path("mass/", views.mass_sends, name="mass"),
    path("activities/", views.activities, name="activities"),
    path("activities/<int:pk>/", views.activity, name="activity"),
    path("wecom/", views.wecom_settings, name="wecom"),
    path("benefits/", views.benefits, name="benefits"),
    path("merges/", views.merges, name="merges"),
    path("import/", views.import_members, name="import"),
]
