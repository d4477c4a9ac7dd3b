"""Attribution pages under /leads/attribution/ (names in the `leads` namespace)."""

from django.urls import path

from mediadesk.leads import views_attribution as v

urlpatterns = [
    path("attribution/reports/", v.reports, name="reports"),
    path("attribution/reports/export.xlsx", v.reports_export, name="reports_export"),
    path("attribution/reports/new/", v.report_new, name="report_new"),
    path("attribution/reports/<int:pk>/", v.report_detail, name="report"),
    path("attribution/reports/<int:pk>/dispute/", v.report_dispute, name="report_dispute"),
    path("attribution/visits/new/", v.visit_new, name="visit_new"),
    path("attribution/visits/<int:pk>/confirm/", v.visit_confirm, name="visit_confirm"),
    path("attribution/trips/", v.trips, name="trips"),
    path("attribution/trips/new/", v.trip_new, name="trip_new"),
    path("attribution/disputes/", v.disputes, name="disputes"),
    path("attribution/disputes/<int:pk>/", v.dispute_detail, name="dispute"),
    path("attribution/referrals/", v.referrals, name="referrals"),
    path("attribution/referrals/<int:pk>/decide/", v.referral_decide, name="referral_decide"),
    path("attribution/referrals/new/<int:customer_id>/", v.referral_new, name="referral_new"),
    path("attribution/rules/", v.rules_edit, name="rules"),
    path("attribution/rules/<int:project_id>/", v.rules_edit, name="rules_project"),
    path("attribution/rules/<int:project_id>/channel/", v.rules_channel, name="rules_channel"),
]
