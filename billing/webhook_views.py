"""`/billing/stripe/webhook/`: Stripe's events, answered fast. The signature is checked and the
event stored once (`billing.webhooks.webhook_receive`); the work is done by a task."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing.providers import WebhookRejected, payment_provider
from billing.webhooks import webhook_receive


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    if payment_provider().name != "stripe":
        return HttpResponse(status=404)
    try:
        row, created = webhook_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except WebhookRejected as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain")
    return JsonResponse({"received": True, "new": created, "handled": row is not None})
