from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from conversations.guardrails.views import safety_protocol
from legacy.health import healthz

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", healthz, name="healthz"),
    path("safety/", safety_protocol, name="safety"),
    path("accounts/", include("allauth.urls")),
    path("memorials/", include("memorials.urls")),
    path("memorials/<uuid:memorial_id>/", include("consent.urls")),
    path("memorials/<uuid:memorial_id>/corpus/", include("corpus.urls")),
    path("memorials/<uuid:memorial_id>/twin/", include("twins.urls")),
    path("memorials/<uuid:memorial_id>/conversation/", include("conversations.urls")),
    path("memorials/<uuid:memorial_id>/voice/", include("voice.urls")),
    path("invitations/", include("memorials.invitation_urls")),
    path("", include("memorials.erasure.urls")),  # the kill switch, its certificate, the export
    path("", include("demo.urls")),  # the fictional demo's removal
    path("admin/", admin.site.urls),
]
