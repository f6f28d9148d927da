from django.apps import AppConfig


class CorpusConfig(AppConfig):
    name = "corpus"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from corpus.holders import corpus_holders_register
        from corpus.onboarding import corpus_onboarding_register

        corpus_holders_register()
        corpus_onboarding_register()
