from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Legacy kernel"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from celery.signals import task_postrun

        from core.crypto import memorial_key_holder_register
        from core.files import memorial_files_holder_register
        from core.tasks import tracked_task_finished

        task_postrun.connect(tracked_task_finished, weak=False, dispatch_uid="core.task_done")
        memorial_key_holder_register()
        memorial_files_holder_register()
