"""The name typed to sign is encrypted with the memorial's key (it is often the memorial's
own name, and must become unreadable with it). Existing records are encrypted in place;
records of memorials whose key is already destroyed keep nothing."""

from django.db import migrations, models

from core.crypto import KeyDestroyed, memorial_cipher


def encrypt(apps, schema_editor):
    ConsentRecord = apps.get_model("consent", "ConsentRecord")
    for record in ConsentRecord.objects.all().iterator():
        try:
            cipher = memorial_cipher(memorial_id=record.memorial_id)
        except KeyDestroyed:
            record.typed_name_encrypted = b""
        else:
            record.typed_name_encrypted = cipher.encrypt_text(record.typed_name)
        record.save(update_fields=["typed_name_encrypted"])


def decrypt(apps, schema_editor):
    ConsentRecord = apps.get_model("consent", "ConsentRecord")
    for record in ConsentRecord.objects.all().iterator():
        try:
            cipher = memorial_cipher(memorial_id=record.memorial_id)
            record.typed_name = cipher.decrypt_text(bytes(record.typed_name_encrypted))
        except (KeyDestroyed, ValueError):
            record.typed_name = ""
        record.save(update_fields=["typed_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0008_consent_method_reauthentication"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="consentrecord",
            name="typed_name_encrypted",
            field=models.BinaryField(default=b""),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="consentrecord",
            name="typed_name",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.RunPython(encrypt, decrypt),
        migrations.RemoveField(model_name="consentrecord", name="typed_name"),
    ]
