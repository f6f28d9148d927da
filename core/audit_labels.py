"""The audit log in people's words: what each recorded action is called, and which kind of
action it is (for the audit page's filter).

Plain strings keyed by the action names the apps record through `core.audit.audit_record`:
the kernel names no app's code here, only the words for what it wrote down. An action with
no label still shows, as its own name made readable, so nothing recorded is ever hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template.defaultfilters import filesizeformat


@dataclass(frozen=True)
class AuditKind:
    key: str
    label: str


KINDS: tuple[AuditKind, ...] = (
    AuditKind("consent", "Consent"),
    AuditKind("writing", "Writing and uploads"),
    AuditKind("people", "People and invitations"),
    AuditKind("memorial", "The memorial and its wishes"),
    AuditKind("twin", "The twin"),
    AuditKind("conversations", "Conversations"),
    AuditKind("voice", "Voice"),
    AuditKind("activation", "Activation after a death"),
    AuditKind("data", "Copies and erasure"),
    AuditKind("billing", "Plan and payments"),
    AuditKind("firm", "Estate-planning firm"),
    AuditKind("other", "Other"),
)

# action -> (kind, what happened: a sentence without its subject, who did it shows beside)
ACTIONS: dict[str, tuple[str, str]] = {
    "consent.signed": ("consent", "Signed a consent"),
    "consent.revoked": ("consent", "Withdrew a consent"),
    "corpus.upload_created": ("writing", "Uploaded a file"),
    "corpus.upload_delete": ("writing", "Deleted an uploaded file and what was read from it"),
    "corpus.document_delete": ("writing", "Deleted a document (it can be put back for a while)"),
    "corpus.passage_delete": ("writing", "Deleted a passage (it can be put back for a while)"),
    "corpus.deletion_undo": ("writing", "Put back writing that had been deleted"),
    "corpus.register_set": ("writing", "Moved a document to another part of their life"),
    "corpus.identity_added": ("writing", "Added one of their names, addresses or handles"),
    "corpus.identity_removed": ("writing", "Removed one of their names, addresses or handles"),
    "corpus.correspondent_set": ("writing", "Said which part of their life someone belongs to"),
    "corpus.correspondent_removed": ("writing", "Took someone out of a part of their life"),
    "memorial.created": ("memorial", "Created the memorial"),
    "memorial.state_changed": ("memorial", "Changed the memorial's state"),
    "memorial.opened_while_living": ("memorial", "Opened the twin to their family"),
    "memorial.closed_to_visitors": ("memorial", "Closed the twin to their family"),
    "memorial.erased": ("data", "Erased everything"),
    "wishes.changed": ("memorial", "Changed their wishes"),
    "sunset.closed": ("memorial", "Closed the memorial, as its wishes asked"),
    "firm.created": ("firm", "Started the firm"),
    "firm.settings_changed": ("firm", "Changed the firm's details or brand"),
    "firm.staff_invited": ("firm", "Invited someone to the firm's staff"),
    "firm.staff_joined": ("firm", "Joined the firm's staff"),
    "firm.staff_role_changed": ("firm", "Changed a staff member's role"),
    "firm.staff_removed": ("firm", "Removed someone from the firm's staff"),
    "firm.staff_invitation_revoked": ("firm", "Withdrew a staff invitation"),
    "invitation.created": ("people", "Invited someone"),
    "invitation.resent": ("people", "Sent an invitation again"),
    "invitation.revoked": ("people", "Withdrew an invitation"),
    "invitation.accepted": ("people", "Accepted an invitation and joined"),
    "membership.removed": ("people", "Removed someone from the memorial"),
    "membership.age_group_stated": ("people", "Said their age group"),
    "twins.build_start": ("twin", "Started building the twin"),
    "twins.build_retry": ("twin", "Tried a twin build again"),
    "twins.build_ready": ("twin", "Finished building the twin"),
    "twins.style_corrected": ("twin", "Corrected the twin's portrait of how they write"),
    "twins.persona_fact_reviewed": ("twin", "Reviewed something the twin knows about them"),
    "twins.persona_fact_review_undone": ("twin", "Undid a review of something the twin knows"),
    "twins.fidelity_requested": ("twin", "Asked how faithful the twin is"),
    "conversation.opened": ("conversations", "Opened a conversation with the twin"),
    "conversation.closed": ("conversations", "Closed a conversation with the twin"),
    "conversation.memory_deleted": ("conversations", "Deleted something the twin remembered"),
    "conversation.visitor_export": ("conversations", "Downloaded their conversation"),
    "conversation.minor_approval_asked": (
        "conversations",
        "Asked a steward to agree that someone under 18 may talk with the twin",
    ),
    "conversation.minor_approved": ("conversations", "Agreed that someone under 18 may talk"),
    "conversation.visit_limits_set": (
        "conversations",
        "Set limits on someone's time with the twin",
    ),
    "conversations.question_asked": ("conversations", "Passed a question on to the subject"),
    "conversations.question_answered": ("conversations", "Answered a question"),
    "conversations.question_declined": ("conversations", "Chose not to answer a question"),
    "voice.clone_created": ("voice", "A voice clone was made"),
    "voice.clone_skipped": ("voice", "No voice clone was made"),
    "voice.clone_deleted": ("voice", "A voice clone was deleted at the provider"),
    "voice.clone_delete_failed": ("voice", "Deleting a voice clone failed; it will be tried again"),
    "voice.sample_added": ("voice", "Added a recording of their voice"),
    "voice.sample_removed": ("voice", "Deleted a recording of their voice"),
    "voice.spoken_consent_recorded": ("voice", "Read their voice consent aloud"),
    "voice.spoken_consent_checked": ("voice", "Their spoken consent was checked against the words"),
    "activation.started": ("activation", "Asked to activate the memorial after a death"),
    "activation.cancelled": ("activation", "Cancelled an activation"),
    "activation.approved": ("activation", "Approved an activation"),
    "activation.rejected": ("activation", "Refused an activation"),
    "activation.key_issued": ("activation", "An activation key was given to a steward"),
    "activation.key_refused": ("activation", "A wrong activation key was given"),
    "activation.inactivity_warning": ("activation", "Sent a reminder after a long silence"),
    "activation.stewards_notified": ("activation", "Told the stewards after a long silence"),
    "export.downloaded": ("data", "Downloaded a copy of all the data"),
    "billing.payment_failed": (
        "billing",
        "A payment did not go through; the plan holds during the grace",
    ),
    "billing.payment_received": ("billing", "A payment was received; the plan is in effect again"),
    "billing.plan_changed": ("billing", "Changed the plan"),
    "billing.status_changed": ("billing", "The subscription's status changed"),
    "billing.lapsed": ("billing", "The grace ended unpaid: on the free plan now, nothing deleted"),
    "billing.payer_changed": ("billing", "Took over paying for the memorial"),
    "billing.marked_paid": ("billing", "Recorded a payment made outside Legacy"),
    "billing.extended": ("billing", "Extended the paid period"),
    "billing.refunded": ("billing", "Refunded the last payment"),
    "billing.refund_recorded": ("billing", "Recorded a refund made outside Legacy"),
    "billing.cancel_requested": ("billing", "Cancelled the plan at the end of the paid period"),
    "billing.checkout_started": (
        "billing",
        "Went to pay for a plan on the payment provider's page",
    ),
    "billing.plan_requested": (
        "billing",
        "Asked Legacy's staff for a plan (this server takes no payments)",
    ),
    "billing.plan_change_requested": (
        "billing",
        "Asked Legacy's staff for a larger plan; it starts once they have arranged the payment",
    ),
    "firm.steward_named": ("firm", "Named the firm a steward of the memorial"),
    "firm.steward_withdrawn": ("firm", "Withdrew the firm as a steward"),
    "firm.steward_key_issued": ("firm", "The firm took its activation key as a steward"),
    "firm.activation_requested": ("firm", "The firm asked to activate the memorial"),
    "firm.activation_withdrawn": ("firm", "The firm withdrew its request to activate"),
    "firm.activation_cancelled_by_client": (
        "firm",
        "The client withdrew the firm as a steward, cancelling its request to activate",
    ),
    "firm.client_detached": ("firm", "The firm was detached from the memorial"),
    "firm.closed": ("firm", "Closed the firm"),
    "firm.client_reminded": ("firm", "Sent a reminder in the firm's name"),
    "firm.reminders_sent": ("firm", "Sent reminders to the firm's clients"),
    "firm.roster_exported": ("firm", "Downloaded the firm's client list"),
    "firm.client_added": ("firm", "Added a client to the firm's roster"),
    "firm.client_invited": ("firm", "Invited a client in the firm's name"),
    "firm.client_imported": ("firm", "Imported clients from a file"),
    "firm.client_joined_by_link": ("firm", "Asked to join the firm through its join link"),
    "client.joined_firm": ("firm", "Accepted the firm's invitation: a memorial of their own"),
    "firm.billing_seats_changed": ("firm", "The firm's paid client seats changed"),
    "firm.billing_seat_released": ("firm", "The client pays for their own memorial now"),
    "firm.billing_seat_taken": ("firm", "The firm pays for the client's memorial now"),
    "firm.billing_status_changed": ("firm", "The firm plan's payment status changed"),
    "firm.billing_plan_requested": ("firm", "Asked Legacy's staff to set up the firm plan"),
    "firm.billing_portal_opened": ("firm", "Went to change the firm's payment details"),
    "firm.statement_exported": ("firm", "Downloaded a monthly statement"),
    "firm.trail_exported": ("firm", "Downloaded the firm's audit trail"),
    # firms: the API for practice software and its webhooks
    "firm.api_token_created": ("firm", "Created an API token for the firm's practice software"),
    "firm.api_token_revoked": ("firm", "Revoked an API token"),
    "firm.webhook_added": ("firm", "Added a webhook endpoint"),
    "firm.webhook_removed": ("firm", "Removed a webhook endpoint"),
}


def audit_action_label(action: str) -> str:
    """What `action` means, in people's words (its own name made readable if unlabelled)."""
    if action in ACTIONS:
        return ACTIONS[action][1]
    return action.split(".")[-1].replace("_", " ").capitalize()


def audit_action_kind(action: str) -> str:
    return ACTIONS[action][0] if action in ACTIONS else "other"


def audit_kind_actions(kind: str) -> list[str]:
    """The actions of one kind ("other": none is listed, the filter excludes the rest)."""
    return [action for action, (key, _) in ACTIONS.items() if key == kind]


_COUNTED = {
    "passages": ("passage", "passages"),
    "documents": ("document", "documents"),
    "messages": ("message", "messages"),
    "memories": ("memory", "memories"),
    "files": ("file", "files"),
    "minutes": ("minute", "minutes"),
    "seats": ("seat", "seats"),
}
_WORDS = {
    "role": {"steward": "as a steward", "family": "as family"},
    "to": {
        "preserving": "now preserving",
        "sealed": "now sealed",
        "active": "now active",
        "closed": "now closed",
    },
    "change": {"added": "added", "removed": "removed"},
    "decision": {"confirmed": "confirmed", "rejected": "marked wrong"},
    "register": {},  # a register's own name (family, friends...): shown as it is
    "kind": {"handle": "a username or phone number", "email": "an email address", "name": "a name"},
}


def audit_detail(data: dict[str, Any] | None, *, scope_labels: dict[str, str]) -> str:
    """The counts and choices an event carries, for a person: never ids, never content."""
    data = data or {}
    parts: list[str] = []
    if scope := data.get("scope"):
        parts.append(scope_labels.get(str(scope), str(scope)))
    if version := data.get("document_version"):
        parts.append(f"version {version}")
    for key, words in _WORDS.items():
        if (value := data.get(key)) not in (None, ""):
            parts.append(words.get(str(value), str(value).replace("_", " ")))
    if fields := data.get("fields"):
        parts.append(", ".join(str(field).replace("_", " ") for field in fields))
    for key, (one, many) in _COUNTED.items():
        if isinstance(count := data.get(key), int) and not isinstance(count, bool):
            parts.append(f"{count:,} {one if count == 1 else many}")
    if isinstance(size := data.get("bytes"), int):
        parts.append(str(filesizeformat(size)))
    if data.get("preview"):
        parts.append("a preview by the subject")
    if data.get("version") and "document_version" not in data:
        parts.append(f"twin version {data['version']}")
    if provider := data.get("provider"):
        parts.append(f"provider {provider}")
    if previous := data.get("previous_plan"):
        parts.append(f"from {previous}")
    if plan := data.get("plan"):
        parts.append(f"plan {plan}")
    if status := data.get("status"):
        parts.append(f"now {str(status).lower().replace('_', ' ')}")
    if until := data.get("until"):
        parts.append(f"until {until}")
    if days := data.get("days"):
        parts.append(f"{days} days")
    return " · ".join(parts)
