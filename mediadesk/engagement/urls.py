from django.urls import path

from mediadesk.engagement import views, views_opinion, views_setup, webhooks

app_name = "engagement"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("messages/<int:pk>/", views.detail, name="detail"),
    path("messages/<int:pk>/reply/", views.reply, name="reply"),
    path("messages/<int:pk>/lead/", views.lead, name="lead"),
    path("messages/<int:pk>/assign/", views.assign, name="assign"),
    path("messages/<int:pk>/status/", views.status, name="status"),
    path("messages/<int:pk>/note/", views.note, name="note"),
    path("messages/<int:pk>/tags/", views.tags, name="tags"),
    path("messages/<int:pk>/correct/", views.correct, name="correct"),
    path("replies/<int:pk>/decide/", views.decide, name="decide"),
    path("bulk/", views.bulk, name="bulk"),
    path("views/save/", views.save_view, name="save_view"),
    path("paste/", views.paste, name="paste"),
    path("import/", views.import_messages, name="import"),
    path("library/", views.library_list, name="library"),
    path("library/new/", views.library_edit, name="library_new"),
    path("library/<int:pk>/", views.library_edit, name="library_edit"),
    path("library/export/", views.library_export, name="library_export"),
    path("library/import/", views.library_import, name="library_import"),
    path("lexicon/", views.lexicon, name="lexicon"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("settings/", views_setup.settings_page, name="settings"),
    path("opinion/", views_opinion.incidents, name="incidents"),
    path("opinion/incidents/<int:pk>/", views_opinion.incident, name="incident"),
    path("opinion/incidents/<int:pk>/step/", views_opinion.step, name="incident_step"),
    path(
        "opinion/incidents/<int:pk>/statement/", views_opinion.statement, name="incident_statement"
    ),
    path("opinion/incidents/<int:pk>/link/", views_opinion.link, name="incident_link"),
    path("opinion/incidents/<int:pk>/close/", views_opinion.close, name="incident_close"),
    path("opinion/incidents/<int:pk>/report/", views_opinion.report, name="incident_report"),
    path("opinion/incidents/<int:pk>/report.xlsx", views_opinion.report_xlsx, name="incident_xlsx"),
    path("opinion/mentions/", views_opinion.mentions, name="mentions"),
    path("opinion/mentions/import/", views_opinion.import_mentions, name="mentions_import"),
    path("opinion/watch/", views_opinion.watch, name="watch"),
    path("hooks/wechat/<slug:slug>/", webhooks.wechat, name="hook_wechat"),
    path("hooks/douyin/<slug:slug>/", webhooks.douyin, name="hook_douyin"),
]
