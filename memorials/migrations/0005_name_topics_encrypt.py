"""Encrypt every memorial's name and its wishes' forbidden topics with the memorial's own key
(made here for a memorial that had none yet). An erased memorial's name is left empty: its
key is gone, and its name reads "Erased memorial".

Reversible: going back decrypts into the clear columns (an erased memorial's name becomes
"Erased memorial", as its tombstone said before)."""

import json

from django.db import migrations

from core.crypto import memorial_cipher_unwrap, memorial_key_wrap_new

ERASED_NAME = "Erased memorial"


def _cipher(apps, memorial_id):
    """The memorial's cipher, or None once its key is destroyed."""
    MemorialKey = apps.get_model("core", "MemorialKey")
    key, _ = MemorialKey.objects.get_or_create(
        memorial_id=memorial_id, defaults={"wrapped_key": memorial_key_wrap_new()}
    )
    if key.wrapped_key is None:
        return None
    return memorial_cipher_unwrap(memorial_id=memorial_id, wrapped_key=key.wrapped_key)


def encrypt(apps, schema_editor):
    Memorial = apps.get_model("memorials", "Memorial")
    MemorialWishes = apps.get_model("memorials", "MemorialWishes")
    for memorial in Memorial.objects.all().iterator():
        cipher = None if memorial.state == "erased" else _cipher(apps, memorial.id)
        memorial.name_encrypted = cipher.encrypt_text(memorial.name) if cipher else b""
        memorial.save(update_fields=["name_encrypted"])
    for wishes in MemorialWishes.objects.all().iterator():
        cipher = _cipher(apps, wishes.memorial_id)
        topics = list(wishes.forbidden_topics)
        wishes.forbidden_topics_encrypted = (
            cipher.encrypt_text(json.dumps(topics)) if cipher and topics else b""
        )
        wishes.save(update_fields=["forbidden_topics_encrypted"])


def decrypt(apps, schema_editor):
    Memorial = apps.get_model("memorials", "Memorial")
    MemorialWishes = apps.get_model("memorials", "MemorialWishes")
    for memorial in Memorial.objects.all().iterator():
        token = bytes(memorial.name_encrypted)
        cipher = _cipher(apps, memorial.id) if token else None
        memorial.name = cipher.decrypt_text(token) if cipher else ERASED_NAME
        memorial.save(update_fields=["name"])
    for wishes in MemorialWishes.objects.all().iterator():
        token = bytes(wishes.forbidden_topics_encrypted)
        cipher = _cipher(apps, wishes.memorial_id) if token else None
        wishes.forbidden_topics = json.loads(cipher.decrypt_text(token)) if cipher else []
        wishes.save(update_fields=["forbidden_topics"])


class Migration(migrations.Migration):
    dependencies = [
        ("memorials", "0004_name_topics_encrypted_columns"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(encrypt, decrypt)]
