from django.urls import path

from memorials import activation_views, opening_views, views, wishes_views

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
    path(
        "<uuid:memorial_id>/invitations/<uuid:invitation_id>/send-again/",
        views.invitation_send_again,
        name="invitation_send_again",
    ),
    path(
        "<uuid:memorial_id>/members/<uuid:user_id>/remove/",
        views.membership_remove_view,
        name="membership_remove",
    ),
    path("<uuid:memorial_id>/wishes/", wishes_views.wishes_page, name="wishes"),
    path("<uuid:memorial_id>/open/", opening_views.memorial_open_page, name="open"),
    path("<uuid:memorial_id>/close/", opening_views.memorial_close_page, name="close"),
    path(
        "<uuid:memorial_id>/activation/key/",
        activation_views.activation_key_page,
        name="activation_key",
    ),
    path("<uuid:memorial_id>/activation/", activation_views.activation_page, name="activation"),
    path(
        "<uuid:memorial_id>/activation/<uuid:activation_id>/certificate/",
        activation_views.activation_certificate,
        name="activation_certificate",
    ),
    path(
        "<uuid:memorial_id>/activation/<uuid:activation_id>/approve/",
        activation_views.activation_approve_view,
        name="activation_approve",
    ),
    path(
        "<uuid:memorial_id>/activation/<uuid:activation_id>/reject/",
        activation_views.activation_reject_view,
        name="activation_reject",
    ),
    path(
        "<uuid:memorial_id>/activation/<uuid:activation_id>/cancel/",
        activation_views.activation_cancel_view,
        name="activation_cancel",
    ),
    path(
        "activations/review/",
        activation_views.activation_review_list,
        name="activation_review",
    ),
    path(
        "activations/<uuid:activation_id>/certificate/",
        activation_views.activation_review_certificate,
        name="activation_review_certificate",
    ),
    path(
        "activations/<uuid:activation_id>/decide/",
        activation_views.activation_review_decide,
        name="activation_review_decide",
    ),
]
