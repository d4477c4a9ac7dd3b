from django.urls import path

from mediadesk.review import views

app_name = "review"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("all/", views.runs, name="runs"),
    path("all/export.xlsx", views.export, name="export"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/steps/<int:order>/evidence/", views.evidence, name="evidence"),
    path("runs/<int:pk>/steps/<int:order>/<str:action>/", views.act, name="act"),
    path("items/<int:item_pk>/submit/", views.submit, name="submit"),
    path("variants/<int:pk>/publish/", views.publish, name="publish"),
    path("variants/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("workflows/", views.workflows, name="workflows"),
    path("workflows/new/", views.workflow_edit, name="workflow_create"),
    path("workflows/<int:pk>/", views.workflow_edit, name="workflow_edit"),
]
