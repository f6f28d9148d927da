from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from legacy.health import healthz

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("memorials/", include("memorials.urls")),
    path("invitations/", include("memorials.invitation_urls")),
    path("admin/", admin.site.urls),
]
