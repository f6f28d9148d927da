"""Name memberships instead of email addresses. Each stored address becomes, in this order:
- the membership (family or steward) of the member whose account email it is;
- else, the membership of whoever accepted an invitation sent to it (their account email has
  changed since);
- else, a waiting invitation sent to it: named through the invitation, it becomes their
  membership when they accept (`invitation_accept`);
- else nothing: the person left, or their invitation was withdrawn or expired. They could
  not talk with the twin anyway; the subject names them again if they come back.

Reversible: going back writes the named members' account emails and the named invitations'
addresses into the old list."""

from django.db import migrations

from core.crypto import memorial_cipher_unwrap

PURPOSE = "invitation-email"  # memorials.models.INVITATION_EMAIL


def _cipher(apps, memorial_id):
    """The memorial's cipher, or None when its key is destroyed (or was never made)."""
    MemorialKey = apps.get_model("core", "MemorialKey")
    key = MemorialKey.objects.filter(memorial_id=memorial_id).first()
    if key is None or key.wrapped_key is None:
        return None
    return memorial_cipher_unwrap(memorial_id=memorial_id, wrapped_key=key.wrapped_key)


def _name(apps, wishes, email, cipher):
    Membership = apps.get_model("memorials", "Membership")
    Invitation = apps.get_model("memorials", "Invitation")
    visitors = Membership.objects.filter(
        memorial_id=wishes.memorial_id, role__in=["family", "steward"]
    )
    member = visitors.filter(user__email__iexact=email).first()
    if member is not None:
        wishes.named_visitors.add(member)
        return
    if cipher is None:
        return
    invitations = Invitation.objects.filter(
        memorial_id=wishes.memorial_id,
        email_hash=cipher.keyed_hash(purpose=PURPOSE, value=email),
        revoked_at__isnull=True,
    ).order_by("-created_at")
    for invitation in invitations:
        if invitation.accepted_by_id is not None:
            member = visitors.filter(user_id=invitation.accepted_by_id).first()
            if member is not None:
                wishes.named_visitors.add(member)
                return
        else:
            wishes.named_invitations.add(invitation)
            return


def emails_to_memberships(apps, schema_editor):
    MemorialWishes = apps.get_model("memorials", "MemorialWishes")
    for wishes in MemorialWishes.objects.exclude(named_visitor_emails=[]).iterator():
        cipher = _cipher(apps, wishes.memorial_id)
        for email in wishes.named_visitor_emails:
            _name(apps, wishes, str(email).strip().lower(), cipher)


def memberships_to_emails(apps, schema_editor):
    MemorialWishes = apps.get_model("memorials", "MemorialWishes")
    for wishes in MemorialWishes.objects.all().iterator():
        emails = {m.user.email.lower() for m in wishes.named_visitors.select_related("user")}
        invitations = list(wishes.named_invitations.all())
        cipher = _cipher(apps, wishes.memorial_id) if invitations else None
        if cipher is not None:
            emails |= {cipher.decrypt_text(bytes(i.email_encrypted)) for i in invitations}
        if emails:
            wishes.named_visitor_emails = sorted(emails)
            wishes.save(update_fields=["named_visitor_emails"])


class Migration(migrations.Migration):
    dependencies = [
        ("memorials", "0008_named_visitors_memberships"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(emails_to_memberships, memberships_to_emails)]
