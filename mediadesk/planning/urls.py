from django.urls import path

from mediadesk.planning import views, views_pdca, views_plan, views_plans, views_scorecards

app_name = "planning"

urlpatterns = [
    path("", views.goals, name="goals"),
    path("goals/new/", views.goal_new, name="goal_new"),
    path("goals/<int:pk>/", views.goal_detail, name="goal"),
    path("goals/<int:pk>/manual/", views.manual_value, name="manual_value"),
    path("goals/<int:pk>/kr/<int:kr>/rows/", views.kr_rows, name="kr_rows"),
    path("board/", views.board, name="board"),
    path("board/move/<int:pk>/", views.move_task, name="move"),
    path("agenda/", views.agenda, name="agenda"),
    path("agenda/confirm/", views.confirm, name="confirm"),
    path("reports/monthly/", views.monthly_report, name="monthly_report"),
    path("scorecards/export/", views.scorecards_export, name="scorecards_export"),
    path("plan/", views_plan.plan_view, name="plan_view"),
    path("pdca/", views_pdca.cycles, name="pdca_list"),
    path("pdca/<int:pk>/", views_pdca.cycle, name="pdca"),
    path("pdca/<int:pk>/decide/", views_pdca.decide, name="pdca_decide"),
    path("meetings/", views_pdca.meetings, name="meetings"),
    path("meetings/<int:pk>/", views_pdca.meeting, name="meeting"),
    path("meetings/<int:pk>/items/", views_pdca.action_item, name="meeting_item"),
    path("plans/", views_plans.index, name="plans"),
    path("plans/<int:pk>/", views_plans.detail, name="plan"),
    path("milestones/<int:pk>/tick/", views_plans.tick, name="milestone_tick"),
    path("scorecards/", views_scorecards.index, name="scorecards"),
    path("scorecards/<int:pk>/", views_scorecards.detail, name="scorecard"),
    path(
        "scorecards/<int:pk>/rows/<slug:code>/", views_scorecards.line_rows, name="scorecard_rows"
    ),
    path("scorecards/<int:pk>/score/", views_scorecards.score, name="scorecard_score"),
    path("scorecards/<int:pk>/sign/", views_scorecards.sign, name="scorecard_sign"),
    path("scorecards/<int:pk>/self/", views_scorecards.self_assess, name="scorecard_self"),
]
