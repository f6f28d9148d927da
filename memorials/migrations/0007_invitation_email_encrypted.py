"""An invitee's address is encrypted with the memorial's key and found again by its keyed
hash, so the kill switch leaves it unreadable. Invitations of memorials whose key is already
destroyed keep nothing."""

from django.db import migrations, models

from core.crypto import KeyDestroyed, memorial_cipher

PURPOSE = "invitation-email"  # memorials.models.INVITATION_EMAIL


def encrypt(apps, schema_editor):
    Invitation = apps.get_model("memorials", "Invitation")
    for invitation in Invitation.objects.all().iterator():
        email = invitation.email.strip().lower()
        try:
            cipher = memorial_cipher(memorial_id=invitation.memorial_id)
        except KeyDestroyed:
            invitation.email_encrypted, invitation.email_hash = b"", ""
        else:
            invitation.email_encrypted = cipher.encrypt_text(email)
            invitation.email_hash = cipher.keyed_hash(purpose=PURPOSE, value=email)
        invitation.save(update_fields=["email_encrypted", "email_hash"])


def decrypt(apps, schema_editor):
    Invitation = apps.get_model("memorials", "Invitation")
    for invitation in Invitation.objects.all().iterator():
        try:
            cipher = memorial_cipher(memorial_id=invitation.memorial_id)
            invitation.email = cipher.decrypt_text(bytes(invitation.email_encrypted))
        except (KeyDestroyed, ValueError):
            invitation.email = ""
        invitation.save(update_fields=["email"])


class Migration(migrations.Migration):
    dependencies = [
        ("memorials", "0006_name_topics_clear_dropped"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="email_encrypted",
            field=models.BinaryField(default=b""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="invitation",
            name="email_hash",
            field=models.CharField(db_index=True, default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="invitation",
            name="email",
            field=models.EmailField(blank=True, default="", max_length=254),
        ),
        migrations.RunPython(encrypt, decrypt),
        migrations.RemoveField(model_name="invitation", name="email"),
    ]
