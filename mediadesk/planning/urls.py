from django.urls import path

from mediadesk.planning import views

app_name = "planning"

urlpatterns = [
    path("", views.goals, name="goals"),
    path("goals/<int:pk>/", views.goal_detail, name="goal"),
    path("goals/<int:pk>/kr/<int:kr>/rows/", views.kr_rows, name="kr_rows"),
    path("board/", views.board, name="board"),
    path("board/move/<int:pk>/", views.move_task, name="move"),
    path("agenda/", views.agenda, name="agenda"),
    path("agenda/confirm/", views.confirm, name="confirm"),
    path("reports/monthly/", views.monthly_report, name="monthly_report"),
    path("scorecards/export/", views.scorecards_export, name="scorecards_export"),
]
