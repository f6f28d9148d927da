from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from celery.signals import task_postrun

        from consent.work import consent_task_finished

        task_postrun.connect(consent_task_finished, weak=False, dispatch_uid="consent.task_done")

        from consent.erasure.base_holders import base_holders_register

        base_holders_register()
