from django.apps import AppConfig


class MemorialsConfig(AppConfig):
    name = "memorials"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from memorials.data_holders import memorial_holders_register
        from memorials.onboarding import memorials_onboarding_register
        from memorials.signals import subject_signed_in

        user_logged_in.connect(subject_signed_in, dispatch_uid="memorials.subject_signed_in")
        memorial_holders_register()
        memorials_onboarding_register()
