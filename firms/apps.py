from django.apps import AppConfig


class FirmsConfig(AppConfig):
    name = "firms"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Estate-planning firms"

    def ready(self) -> None:
        from firms.seat_receivers import seat_receivers_connect

        seat_receivers_connect()
