"""Consent and audit pages of one memorial: mounted under /memorials/<uuid>/."""

from django.urls import path

from consent import views

app_name = "consent"

urlpatterns = [
    path("consent/", views.consent_overview, name="overview"),
    path("consent/<str:scope>/sign/", views.consent_sign_page, name="sign"),
    path("consent/<str:scope>/withdraw/", views.consent_revoke_page, name="revoke"),
    path("consent/<str:scope>/v<int:version>/", views.consent_document_page, name="document"),
    path("audit/", views.audit_log_page, name="audit"),
]
