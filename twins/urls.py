from django.urls import path

from twins.views import build, persona

app_name = "twins"

urlpatterns = [
    path("", build.twin_overview, name="overview"),
    path("build/", build.twin_build_new, name="build"),
    path("build/<uuid:version_id>/retry/", build.twin_build_again, name="build_retry"),
    # --- portrait (twins.views.portrait) ---
    # --- persona (twins.views.persona) ---
    path("persona/", persona.persona_review, name="persona"),
    path(
        "persona/facts/<int:fact_id>/review/",
        persona.persona_fact_review,
        name="persona_fact_review",
    ),
    path("persona/facts/<int:fact_id>/undo/", persona.persona_fact_undo, name="persona_fact_undo"),
    # --- preview (twins.views.preview) ---
    # --- fidelity (twins.views.fidelity) ---
]
