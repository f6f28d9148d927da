from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from consent.gate import ConsentRecordGate
        from consent.holders import consent_holders_register
        from consent.onboarding import consent_onboarding_register
        from core.consent import consent_gate_install

        consent_gate_install(ConsentRecordGate())
        consent_holders_register()
        consent_onboarding_register()
