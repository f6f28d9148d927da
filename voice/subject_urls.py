"""The subject's voice pages: samples (upload, record, analysis) and the spoken consent."""

from django.urls import URLPattern, path

from voice import subject_views as views

urlpatterns: list[URLPattern] = [
    path("", views.samples_page, name="samples"),
    path("samples/", views.samples_upload, name="samples_upload"),
    path("samples/status/", views.samples_status, name="samples_status"),
    path("samples/<uuid:sample_id>/audio/", views.sample_audio, name="sample_audio"),
    path("samples/<uuid:sample_id>/use/", views.sample_use, name="sample_use"),
    path("samples/<uuid:sample_id>/retry/", views.sample_retry, name="sample_retry"),
    path("samples/<uuid:sample_id>/delete/", views.sample_remove, name="sample_delete"),
    path("consent/", views.spoken_consent_page, name="spoken_consent"),
    path("consent/record/", views.spoken_consent_upload, name="spoken_consent_record"),
    path(
        "consent/<uuid:spoken_id>/audio/",
        views.spoken_consent_audio,
        name="spoken_consent_audio",
    ),
]
