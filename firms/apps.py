from django.apps import AppConfig


class FirmsConfig(AppConfig):
    name = "firms"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Estate-planning firms"

    def ready(self) -> None:
        # Registered here: `memorials` cannot import the apps built on it.
        from firms.panels import firm_panel_register
        from firms.receivers import receivers_connect
        from firms.seat_receivers import seat_receivers_connect
        from firms.stewardship import FirmStewardSource
        from memorials.activation.professional import professional_source_register

        receivers_connect()
        seat_receivers_connect()
        firm_panel_register()
        professional_source_register(name="firms", source=FirmStewardSource())
