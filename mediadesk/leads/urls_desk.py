from django.urls import path

from mediadesk.leads import views, views_admin, views_allocation, views_deals, views_portal

urlpatterns = [
    path("", views.home, name="home"),
    path("export.xlsx", views.export, name="export"),
    path("new/", views.capture, name="capture"),
    path("new/check-phone/", views.check_phone, name="check_phone"),
    path("customers/<int:pk>/", views.customer, name="customer"),
    path("customers/<int:pk>/reveal/", views.reveal, name="reveal"),
    path("opportunities/<int:pk>/follow-up/", views.follow_up, name="follow_up"),
    path("opportunities/<int:pk>/stage/", views.stage, name="stage"),
    path("opportunities/<int:pk>/assign/", views.assign, name="assign"),
    path("opportunities/<int:pk>/deals/new/", views_deals.deal_new, name="deal_new"),
    path("deals/<int:pk>/advance/", views_deals.deal_advance, name="deal_advance"),
    path("deals/<int:pk>/cancel/", views_deals.deal_cancel, name="deal_cancel"),
    path("pool/", views.pool_page, name="pool"),
    path("pool/<int:pk>/claim/", views.pool_claim, name="pool_claim"),
    path("pool/wake/", views.pool_wake, name="pool_wake"),
    path("import/", views.import_upload, name="import"),
    path("import/preview/", views.import_preview, name="import_preview"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("channels/", views_admin.channels, name="channels"),
    path("channels/new/", views_admin.channel_edit, name="channel_create"),
    path("channels/<int:pk>/", views_admin.channel_edit, name="channel_edit"),
    path("brokers/", views_admin.brokers, name="brokers"),
    path("brokers/new/", views_admin.broker_create, name="broker_create"),
    path("brokers/<int:pk>/deactivate/", views_admin.broker_deactivate, name="broker_deactivate"),
    path("campaigns/", views_admin.campaigns, name="campaigns"),
    path("campaigns/new/", views_admin.campaign_edit, name="campaign_create"),
    path("campaigns/<int:pk>/", views_admin.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/qr.<str:fmt>", views_admin.campaign_qr, name="campaign_qr"),
    path("f/<slug:slug>/", views_portal.public_form, name="public_form"),
    path("f/<slug:slug>/thanks/", views_portal.public_thanks, name="public_thanks"),
    path("portal/", views_portal.portal, name="portal"),
    path("portal/report/", views_portal.portal_report, name="portal_report"),
]

# Allocation settings (views_allocation): teams, seats, on-duty switches, rules per source.
urlpatterns += [
    path("allocation/", views_allocation.allocation, name="allocation"),
    path("allocation/teams/new/", views_allocation.team_edit, name="team_create"),
    path("allocation/teams/<int:pk>/", views_allocation.team_edit, name="team_edit"),
    path("allocation/seats/new/", views_allocation.seat_add, name="seat_add"),
    path("allocation/seats/<int:pk>/", views_allocation.seat_edit, name="seat_edit"),
    path("allocation/seats/<int:pk>/remove/", views_allocation.seat_remove, name="seat_remove"),
    path("allocation/seats/<int:pk>/duty/", views_allocation.seat_duty, name="seat_duty"),
    path("allocation/my-duty/", views_allocation.my_duty, name="my_duty"),
    path("allocation/rules/", views_allocation.rule_save, name="rule_save"),
    path("allocation/rules/<int:pk>/delete/", views_allocation.rule_delete, name="rule_delete"),
]
