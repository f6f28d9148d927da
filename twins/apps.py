from django.apps import AppConfig


class TwinsConfig(AppConfig):
    name = "twins"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from corpus.signals import corpus_changed
        from twins.holders import twins_holders_register
        from twins.onboarding import twins_onboarding_register
        from twins.panels import twins_panel_register
        from twins.staleness import twin_mark_stale

        twins_holders_register()
        twins_onboarding_register()
        twins_panel_register()
        corpus_changed.connect(twin_mark_stale, dispatch_uid="twins.twin_mark_stale")
