"""The firm's steward pages, the owner's close page, and the client's own side under their
memorial: naming or withdrawing the firm as a steward, detaching it (see firms/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from firms import views_steward

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "firms/<slug:slug>/clients/<uuid:client_id>/steward/",
        views_steward.firm_steward_page,
        name="steward",
    ),
    path("firms/<slug:slug>/close/", views_steward.firm_close_page, name="close"),
    path(
        "memorials/<uuid:memorial_id>/firm/steward/",
        views_steward.client_steward,
        name="client_steward",
    ),
    path(
        "memorials/<uuid:memorial_id>/firm/pay-myself/",
        views_steward.client_pay_self_page,
        name="client_pay_self",
    ),
    path(
        "memorials/<uuid:memorial_id>/firm/detach/",
        views_steward.client_detach_page,
        name="client_detach",
    ),
]
