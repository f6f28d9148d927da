from django.urls import path

from conversations import limits_views, memory_views, safety_views, views

app_name = "conversations"

urlpatterns = [
    path("", views.conversation_page, name="page"),
    path("memories/", memory_views.memories_page, name="memories"),
    path(
        "memories/<int:memory_id>/correct/",
        memory_views.memory_correct_view,
        name="memory_correct",
    ),
    path("memories/<int:memory_id>/delete/", memory_views.memory_delete_view, name="memory_delete"),
    path("visitors/time/", limits_views.visitors_time_page, name="visitors_time"),
    path("age/", limits_views.age_group_view, name="age_group"),
    path("export/", memory_views.visitor_export_view, name="export"),
    path("questions/ask/", views.question_ask_view, name="question_ask"),
    path("questions/<uuid:question_id>/", views.question_answer_view, name="question_answer"),
    path("country/", safety_views.country_choose_view, name="country_choose"),
    path("reach-steward/", safety_views.steward_reach_view, name="steward_reach"),
    path("safety/<int:alert_id>/seen/", safety_views.alert_seen_view, name="alert_seen"),
    path(
        "questions/<uuid:question_id>/decline/",
        views.question_decline_view,
        name="question_decline",
    ),
]
