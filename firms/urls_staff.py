"""The firm's staff pages (see firms/urls.py): your firms, starting one, settings and brand,
staff and their invitations, and the public logo and brand colours."""

from django.urls import URLPattern, URLResolver, path

from firms import views_staff

urlpatterns: list[URLPattern | URLResolver] = [
    path("firms/", views_staff.firms_mine, name="mine"),
    path("firms/new/", views_staff.firm_new, name="new"),
    path("firms/invitations/<str:token>/", views_staff.firm_staff_accept, name="staff_accept"),
    path("firms/<slug:slug>/settings/", views_staff.firm_settings, name="settings"),
    path("firms/<slug:slug>/staff/", views_staff.firm_staff, name="staff"),
    path(
        "firms/<slug:slug>/staff/<int:member_id>/role/",
        views_staff.firm_staff_role,
        name="staff_role",
    ),
    path(
        "firms/<slug:slug>/staff/<int:member_id>/remove/",
        views_staff.firm_staff_remove,
        name="staff_remove",
    ),
    path(
        "firms/<slug:slug>/staff/invitations/<uuid:invitation_id>/withdraw/",
        views_staff.firm_staff_invitation_revoke,
        name="staff_invitation_revoke",
    ),
    path("firms/<slug:slug>/logo.png", views_staff.firm_logo, name="logo"),
    path("firms/<slug:slug>/brand.css", views_staff.firm_brand_css, name="brand_css"),
]
