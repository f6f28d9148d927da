"""A firm's client takes over paying for their own memorial: they choose a plan, the firm is
told and it is audited, and they go to the payment provider's normal checkout for their
memorial (billing's `checkout_start`; with the offline provider, its request page). The firm
keeps paying until their own first payment goes through: then the firm's seat is released
(`firms.seat_receivers.seat_released_when_client_pays` -> `firms.seats.client_pays_self`),
so nothing is paused in between and nothing is lost, and the firm is told again
(`client_seat_released_tell`)."""

from __future__ import annotations

from billing.checkout import checkout_start
from billing.models import Price
from billing.pricing import PlanCard, pricing_plans
from firms.access import ROLE_POWERS, FirmPower
from firms.mail import firm_mail_send_on_commit
from firms.models import Firm, FirmClient
from firms.seats import FIRM_PLAN, SeatRefused
from firms.trail import firm_audit_record
from memorials.models import Membership


def pay_self_plans() -> list[PlanCard]:
    """The plans a client may choose to pay for themselves (the public personal plans with a
    price; not the firm plan)."""
    return [card for card in pricing_plans() if card.code != FIRM_PLAN and card.offers]


def client_pay_self_start(
    *,
    client: FirmClient,
    membership: Membership,
    price: Price,
    success_url: str,
    cancel_url: str,
) -> str:
    """Where to send the client to pay for `price` on their own memorial (the provider's
    checkout). Audited; the firm's billing staff are told by mail after commit. SeatRefused
    when the firm does not pay for them; billing's CheckoutRefused or PaymentError when the
    checkout cannot start (nothing is recorded then)."""
    if not client.paid_by_firm or client.detached_at is not None:
        raise SeatRefused("You already pay for your own memorial.")
    if price.plan.code == FIRM_PLAN:
        raise SeatRefused("Choose one of the plans for a memorial.")
    url = checkout_start(
        membership=membership, price=price, success_url=success_url, cancel_url=cancel_url
    )
    firm = client.firm
    firm_audit_record(
        firm=firm,
        action="firm.client_chose_to_pay",
        actor=membership.user,
        client=client,
        data={"plan": price.plan.name, "interval": price.interval},
    )
    firm_mail_send_on_commit(
        firm=firm,
        to=_billing_staff_emails(firm),
        subject=f"{client.name} chose to pay for their own Legacy",
        template="firms/email/client_pays_self.txt",
        context={"client": client, "plan_name": price.plan.name},
        memorial_id=client.memorial_id,
        topic=f"firm_client_pays_self:{client.pk}",
    )
    return url


def client_seat_released_tell(*, client: FirmClient, subscription_id: object) -> None:
    """The firm's billing staff told, after commit, that `client`'s own first payment went
    through and their seat is released (`subscription_id`, their own subscription, keys the
    mail so a second save of it sends nothing more)."""
    firm_mail_send_on_commit(
        firm=client.firm,
        to=_billing_staff_emails(client.firm),
        subject=f"{client.name} now pays for their own Legacy: their seat is released",
        template="firms/email/client_seat_released.txt",
        context={"client": client},
        memorial_id=client.memorial_id,
        topic=f"firm_client_seat_released:{client.pk}:{subscription_id}",
    )


def _billing_staff_emails(firm: Firm) -> list[str]:
    """The addresses of the firm's staff who hold the billing power."""
    billing_roles = [role for role, powers in ROLE_POWERS.items() if FirmPower.BILLING in powers]
    return list(
        firm.staff.filter(removed_at__isnull=True, role__in=billing_roles)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
