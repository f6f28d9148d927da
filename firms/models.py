"""Estate-planning firms: the firm, its staff, its client roster, its API tokens and webhook
endpoints, and the seat subscription it pays for its clients.

A firm is never a member of a client's memorial (`memorials.Membership`): its powers over a
client are the fixed ones `firms.access` grants (status, reminders, billing, and acting as a
professional steward only when the client named the firm one). Nothing here holds a client's
writing, portrait, conversations or memories."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour like #2f5d62.")


class Firm(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(blank=True)
    # Branding shown beside Legacy's on the firm's clients' pages and mail.
    brand_colour = models.CharField(max_length=7, blank=True, validators=[hex_colour])
    # The logo's name in the file store (core.files); empty when none was uploaded.
    brand_logo_path = models.CharField(max_length=300, blank=True)
    brand_logo_type = models.CharField(max_length=64, blank=True)
    sender_name = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the firm closed: every memorial was handed to its subject or stewards first.
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("firms:dashboard", kwargs={"slug": self.slug})


class FirmRole(models.TextChoices):
    OWNER = "owner", "Owner"
    ADVISOR = "advisor", "Advisor"
    ASSISTANT = "assistant", "Assistant"


class FirmStaff(models.Model):
    """A person working for a firm, in one role. Removed staff keep their row (the trail
    names them) with `removed_at` set, and lose every power at once."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="firm_staff"
    )
    role = models.CharField(max_length=16, choices=FirmRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["firm", "role", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "user"],
                condition=models.Q(removed_at__isnull=True),
                name="firm_staff_once",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=FirmRole.values), name="firm_staff_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) of {self.firm}"


class FirmStaffInvitation(models.Model):
    """A tokenised, expiring, single-use link that makes its holder staff. Only the token's
    hash is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="staff_invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=FirmRole.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"staff invitation {self.id} as {self.role}"

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class ClientStage(models.TextChoices):
    """Where a client stands, in order (`firms.status` keeps `FirmClient.stage` current)."""

    INVITED = "invited", "Invited"
    JOINED = "joined", "Joined"
    CONSENTED = "consented", "Consents signed"
    WRITING = "writing", "Writing added"
    TWIN_READY = "twin_ready", "Twin ready"
    ACTIVE = "active", "Active after death"
    DETACHED = "detached", "Left the firm"


class FirmClient(models.Model):
    """One client on a firm's roster. The name and address are the firm's own record (it
    typed or imported them); the memorial is the client's, attached once they accept."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="clients")
    name = models.CharField(max_length=200)
    email = models.EmailField()  # lower-cased; one live client per address per firm
    advisor = models.ForeignKey(
        FirmStaff, on_delete=models.SET_NULL, null=True, blank=True, related_name="clients"
    )
    # The firm's own reference for the client (its practice software's id), optional.
    external_ref = models.CharField(max_length=100, blank=True)
    # The invitation's token hash (the token itself is only in the mail); cleared on accept.
    invitation_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    invitation_expires_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="firm_clients",
    )
    memorial = models.ForeignKey(
        "memorials.Memorial",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="firm_clients",
    )
    # Set when the client named the firm a professional steward (and cleared when they
    # withdraw it): only then may the firm hold an activation key for the memorial.
    professional_steward_since = models.DateTimeField(null=True, blank=True)
    # Whether the firm pays for this client's memorial (a seat on its firm subscription).
    paid_by_firm = models.BooleanField(default=True)
    # Status columns for the dashboard, kept current by `firms.status.client_status_refresh`
    # (never content: counts, which consents are signed, readiness, activation, plan).
    stage = models.CharField(
        max_length=16, choices=ClientStage.choices, default=ClientStage.INVITED
    )
    consents_signed = models.JSONField(default=list, blank=True)  # consent scope codes
    documents_count = models.PositiveIntegerField(default=0)
    passages_count = models.PositiveIntegerField(default=0)
    twin_ready = models.BooleanField(default=False)
    activation_state = models.CharField(max_length=16, blank=True)  # memorial state
    plan_code = models.CharField(max_length=40, blank=True)
    status_refreshed_at = models.DateTimeField(null=True, blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the client detached the firm (or the firm closed): the firm lost access then.
    detached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "email"],
                condition=models.Q(detached_at__isnull=True),
                name="firm_client_email_once",
            ),
        ]
        indexes = [
            models.Index(fields=["firm", "stage"]),
            models.Index(fields=["firm", "advisor"]),
            models.Index(fields=["firm", "name"]),
            models.Index(fields=["firm", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.firm})"


class ApiScope(models.TextChoices):
    ROSTER_READ = "roster:read", "Read the client roster and each client's status"
    CLIENTS_WRITE = "clients:write", "Add clients (each is invited by mail)"


class FirmApiToken(models.Model):
    """A token for the firm's practice software. Shown once; only its hash is kept."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12)  # shown in lists to tell tokens apart
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)  # ApiScope values
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class WebhookEventKind(models.TextChoices):
    CONSENT_SIGNED = "client.consent_signed", "A client signed a consent"
    ACTIVATION_REQUESTED = "client.activation_requested", "Activation was requested"
    ACTIVATION_APPROVED = "client.activation_approved", "Activation was approved"
    CLIENT_JOINED = "client.joined", "A client accepted the invitation"
    CLIENT_DETACHED = "client.detached", "A client left the firm"


class FirmWebhookEndpoint(models.Model):
    """Where the firm wants client events sent, signed with HMAC-SHA256 under `secret`."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField()
    secret = models.CharField(max_length=80)
    kinds = models.JSONField(default=list)  # WebhookEventKind values; empty means all
    created_at = models.DateTimeField(auto_now_add=True)
    disabled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.url


class FirmWebhookDelivery(models.Model):
    """One event to one endpoint, retried until delivered or given up."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(
        FirmWebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    kind = models.CharField(max_length=40, choices=WebhookEventKind.choices)
    payload = models.JSONField()  # ids and states only, never content
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    given_up_at = models.DateTimeField(null=True, blank=True)
    # When the next attempt is due (its task's countdown at the latest); the sweep queues
    # again a delivery past due whose task was lost.
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # While an attempt is under way (its HTTP call, made holding no lock): until then no other
    # run starts one.
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} to {self.endpoint_id}"


class FirmSubscription(models.Model):
    """The firm's one subscription on a firm plan: a seat per client it pays for
    (`quantity`), through the same payment providers as a memorial's."""

    firm = models.OneToOneField(Firm, on_delete=models.CASCADE, related_name="subscription")
    plan = models.ForeignKey("billing.Plan", on_delete=models.PROTECT, related_name="+")
    price = models.ForeignKey("billing.Price", on_delete=models.PROTECT, null=True, blank=True)
    status = models.CharField(max_length=16, default="incomplete")  # billing.SubscriptionStatus
    quantity = models.PositiveIntegerField(default=0)
    provider = models.CharField(max_length=16)
    provider_customer_id = models.CharField(max_length=100, blank=True)
    provider_subscription_id = models.CharField(max_length=100, blank=True, db_index=True)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.plan_id} x{self.quantity} for {self.firm_id}"


class FirmActivationKey(models.Model):
    """The activation key a firm holds as a client's professional steward: one per client,
    issued to the firm (its owner and advisors use it through the firm's pages), with the
    same fields as `memorials.ActivationKey` so the same checks and lockout apply. Shown
    once; only its hash is kept."""

    client = models.ForeignKey(FirmClient, on_delete=models.CASCADE, related_name="activation_keys")
    key_hash = models.CharField(max_length=64, unique=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    last_failed_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(revoked_at__isnull=True),
                name="firm_activation_key_one_live",
            ),
        ]

    def __str__(self) -> str:
        return f"firm activation key for client {self.client_id}"


class FirmSeat(models.Model):
    """One stretch of time during which the firm paid a seat for a client (opened when the
    client joined on the firm's plan, closed when they left or paid for themselves). The
    monthly statement counts each client's seat days from these."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="seats")
    client = models.ForeignKey(FirmClient, on_delete=models.CASCADE, related_name="seats")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(ended_at__isnull=True),
                name="firm_seat_open_once",
            ),
        ]
        indexes = [models.Index(fields=["firm", "started_at"])]

    def __str__(self) -> str:
        return f"seat of {self.client_id} from {self.started_at:%Y-%m-%d}"
