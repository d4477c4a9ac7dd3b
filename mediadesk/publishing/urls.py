from django.urls import path

from mediadesk.publishing import views

app_name = "publishing"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("jobs/<int:pk>/", views.job, name="job"),
    path("jobs/<int:pk>/retry/", views.retry, name="retry"),
    path("jobs/<int:pk>/manual/", views.to_manual, name="to_manual"),
    path("jobs/<int:pk>/withdrawn/", views.withdrawn, name="withdrawn"),
    path("packages/<int:pk>/", views.package, name="package"),
    path("packages/<int:pk>/media.zip", views.package_zip, name="package_zip"),
    path("variants/<int:pk>/schedule/", views.schedule, name="schedule"),
    path("variants/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("items/<int:pk>/", views.item, name="item"),
    path("items/<int:pk>/schedule/", views.schedule_item, name="schedule_item"),
    path("checks/", views.checks, name="checks"),
    path("checks/<int:pk>/", views.check_confirm, name="check"),
    path("connections/", views.connections, name="connections"),
    path("connections/<int:account_id>/", views.connect, name="connect"),
    path("connections/<int:account_id>/oauth/", views.oauth_start, name="oauth_start"),
    path("oauth/callback/", views.oauth_callback, name="oauth_callback"),
]
