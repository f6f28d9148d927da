"""A waiting mail's recipient, subject and body are encrypted with its memorial's key (they
hold names and addresses), so the kill switch leaves them unreadable. Every mail written so
far names its memorial; a waiting mail whose memorial's key is destroyed is dropped, as its
delivery would now be."""

import json

from django.db import migrations, models

from core.crypto import KeyDestroyed, memorial_cipher


def encrypt(apps, schema_editor):
    OutboundMail = apps.get_model("core", "OutboundMail")
    for mail in OutboundMail.objects.all().iterator():
        try:
            cipher = memorial_cipher(memorial_id=mail.memorial_id)
        except KeyDestroyed:
            mail.delete()
            continue
        message = {"to": mail.to, "subject": mail.subject, "body": mail.body}
        mail.message_encrypted = cipher.encrypt_text(json.dumps(message))
        mail.save(update_fields=["message_encrypted"])


def decrypt(apps, schema_editor):
    OutboundMail = apps.get_model("core", "OutboundMail")
    for mail in OutboundMail.objects.all().iterator():
        cipher = memorial_cipher(memorial_id=mail.memorial_id)
        message = json.loads(cipher.decrypt_text(bytes(mail.message_encrypted)))
        mail.to, mail.subject, mail.body = message["to"], message["subject"], message["body"]
        mail.save(update_fields=["to", "subject", "body"])


class Migration(migrations.Migration):
    dependencies = [("core", "0005_outbound_mail_topic_failed")]

    operations = [
        migrations.RunSQL(
            "DELETE FROM core_outboundmail WHERE memorial_id IS NULL", migrations.RunSQL.noop
        ),
        migrations.AddField(
            model_name="outboundmail",
            name="message_encrypted",
            field=models.BinaryField(default=b""),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="outboundmail", name="to", field=models.EmailField(blank=True, default="")
        ),
        migrations.AlterField(
            model_name="outboundmail",
            name="subject",
            field=models.CharField(blank=True, default="", max_length=255),
        ),
        migrations.AlterField(
            model_name="outboundmail", name="body", field=models.TextField(blank=True, default="")
        ),
        migrations.RunPython(encrypt, decrypt),
        migrations.RemoveField(model_name="outboundmail", name="to"),
        migrations.RemoveField(model_name="outboundmail", name="subject"),
        migrations.RemoveField(model_name="outboundmail", name="body"),
        migrations.AlterField(
            model_name="outboundmail", name="memorial_id", field=models.UUIDField(db_index=True)
        ),
    ]
