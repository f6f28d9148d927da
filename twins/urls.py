from django.urls import path

from twins.views import build, fidelity, persona, portrait, preview

app_name = "twins"

urlpatterns = [
    path("", build.twin_overview, name="overview"),
    path("build/", build.twin_build_new, name="build"),
    path("build/<uuid:version_id>/retry/", build.twin_build_again, name="build_retry"),
    # --- portrait (twins.views.portrait) ---
    path("portrait/", portrait.portrait_page, name="portrait"),
    path("portrait/correct/", portrait.portrait_correct, name="portrait_correct"),
    path(
        "portrait/corrections/<int:correction_id>/remove/",
        portrait.portrait_correction_remove,
        name="portrait_correction_remove",
    ),
    # --- persona (twins.views.persona) ---
    path("persona/", persona.persona_review, name="persona"),
    path(
        "persona/facts/<int:fact_id>/review/",
        persona.persona_fact_review,
        name="persona_fact_review",
    ),
    path("persona/facts/<int:fact_id>/undo/", persona.persona_fact_undo, name="persona_fact_undo"),
    # --- preview (twins.views.preview) ---
    path("preview/", preview.twin_preview, name="preview"),
    # --- fidelity (twins.views.fidelity) ---
    path("fidelity/", fidelity.fidelity_page, name="fidelity"),
    path("fidelity/measure/", fidelity.fidelity_measure_again, name="fidelity_measure"),
]
