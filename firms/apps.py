from django.apps import AppConfig


class FirmsConfig(AppConfig):
    name = "firms"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Estate-planning firms"

    def ready(self) -> None:
        from firms.webhooks import webhook_receivers_connect

        webhook_receivers_connect()
