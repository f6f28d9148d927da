from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The fictional demo memorial (`make run` offers it on an empty install). Sits above
    memorials, consent, corpus and twins: it uses their services, and nothing uses it but the
    site's pages (its banner, its offer, its removal)."""

    name = "demo"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from demo.holders import demo_holders_register

        demo_holders_register()
