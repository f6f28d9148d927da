from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from accounts.two_factor import totp_activate
from conversations.guardrails.views import safety_protocol
from legacy.health import healthz
from legacy.pages import favicon, privacy_page
from memorials.erasure.account import account_delete_page

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", healthz, name="healthz"),
    path("safety/", safety_protocol, name="safety"),
    path("accounts/settings/", include("accounts.urls")),
    path("accounts/settings/delete/", account_delete_page, name="account_delete"),
    # allauth's own, except that `next` brings the person back (a firm's pages send its staff)
    path("accounts/2fa/totp/activate/", totp_activate, name="mfa_activate_totp"),
    path("accounts/", include("allauth.urls")),
    path("help/", TemplateView.as_view(template_name="pages/help.html"), name="help"),
    path("privacy/", privacy_page, name="privacy"),
    path("terms/", TemplateView.as_view(template_name="pages/terms.html"), name="terms"),
    path("contact/", TemplateView.as_view(template_name="pages/contact.html"), name="contact"),
    path("favicon.ico", favicon, name="favicon"),
    path("memorials/", include("memorials.urls")),
    path("memorials/<uuid:memorial_id>/", include("consent.urls")),
    path("memorials/<uuid:memorial_id>/corpus/", include("corpus.urls")),
    path("memorials/<uuid:memorial_id>/twin/", include("twins.urls")),
    path("memorials/<uuid:memorial_id>/conversation/", include("conversations.urls")),
    path("memorials/<uuid:memorial_id>/voice/", include("voice.urls")),
    path("invitations/", include("memorials.invitation_urls")),
    path("", include("memorials.erasure.urls")),  # the kill switch, its certificate, the export
    path("", include("demo.urls")),  # the fictional demo's removal
    path("", include("billing.urls")),  # pricing, the payer's billing page, webhooks
    path("", include("firms.urls")),  # /firms/<slug>/…, the join link /f/<slug>/join
    path("admin/", admin.site.urls),
]
