from django.urls import path

from memorials import views

app_name = "memorials"

urlpatterns = [
    path("", views.memorial_list, name="list"),
    path("new/", views.memorial_new, name="new"),
    path("<uuid:memorial_id>/", views.memorial_detail, name="detail"),
    path("<uuid:memorial_id>/state/", views.memorial_state, name="state"),
    path("<uuid:memorial_id>/invitations/", views.invitation_new, name="invite"),
    path(
        "<uuid:memorial_id>/invitations/<uuid:invitation_id>/cancel/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
]
