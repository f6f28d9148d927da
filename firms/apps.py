from django.apps import AppConfig


class FirmsConfig(AppConfig):
    name = "firms"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Estate-planning firms"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from billing.models import Subscription
        from billing.sponsors import sponsor_mirror_register, sponsor_register
        from firms import signals
        from firms.receivers import (
            seat_released_when_client_pays,
            seats_on_client_detached,
            seats_on_client_joined,
        )
        from firms.seats import firm_sponsorship, firm_subscription_mirror

        signals.client_joined.connect(seats_on_client_joined, dispatch_uid="firms.seats.joined")
        signals.client_detached.connect(
            seats_on_client_detached, dispatch_uid="firms.seats.detached"
        )
        post_save.connect(
            seat_released_when_client_pays,
            sender=Subscription,
            dispatch_uid="firms.seats.client_pays",
        )
        sponsor_register(firm_sponsorship)
        sponsor_mirror_register(firm_subscription_mirror)
