from django.urls import path

from twins.views import build, preview

app_name = "twins"

urlpatterns = [
    path("", build.twin_overview, name="overview"),
    path("build/", build.twin_build_new, name="build"),
    path("build/<uuid:version_id>/retry/", build.twin_build_again, name="build_retry"),
    # --- portrait (twins.views.portrait) ---
    # --- persona (twins.views.persona) ---
    # --- preview (twins.views.preview) ---
    path("preview/", preview.twin_preview, name="preview"),
    # --- fidelity (twins.views.fidelity) ---
]
