from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Legacy kernel"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from celery.signals import task_postrun
        from django.contrib.auth.signals import user_logged_out

        from core.crypto import memorial_key_holder_register
        from core.files import memorial_files_holder_register
        from core.mail import mail_outbox_holder_register
        from core.sockets import sockets_close_on_sign_out
        from core.tasks import tracked_task_finished

        task_postrun.connect(tracked_task_finished, weak=False, dispatch_uid="core.task_done")
        user_logged_out.connect(sockets_close_on_sign_out, dispatch_uid="core.sockets_sign_out")
        memorial_key_holder_register()
        mail_outbox_holder_register()
        memorial_files_holder_register()
