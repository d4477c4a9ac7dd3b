from django.urls import path

from mediadesk.commissions import views

app_name = "commissions"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("statements/", views.statement_list, name="statements"),
    path("statements/export.xlsx", views.month_export, name="month_export"),
    path("statements/settle/", views.settle, name="settle"),
    path("statements/<int:pk>/", views.statement_detail, name="statement"),
    path("statements/<int:pk>/export.xlsx", views.statement_export, name="statement_export"),
    path("statements/<int:pk>/approve/", views.approve, name="approve"),
    path("statements/<int:pk>/adjust/", views.adjust, name="adjust"),
    path("schemes/", views.schemes, name="schemes"),
    path("schemes/new/", views.scheme_edit, name="scheme_create"),
    path("schemes/<int:pk>/", views.scheme_edit, name="scheme_edit"),
    path("incentives/", views.incentives, name="incentives"),
    path("incentives/new/", views.incentive_edit, name="incentive_create"),
    path("incentives/<int:pk>/", views.incentive_edit, name="incentive_edit"),
    path("live/", views.figures, name="figures"),
]
