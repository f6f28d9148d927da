"""Names get encrypted columns beside the clear ones (file names, speakers, authors, audience,
identities, correspondents, register reasons, upload outcomes), with keyed hashes where names
are matched; 0008 fills them, 0009 drops the clear columns and makes the keyed hashes unique.

The unique constraints on the clear values go first, so that going back (0009, 0008, then
this) puts them back only once the clear values are restored; and the clear columns that had
no default get one, so that going back can add them again to tables with rows."""

from django.db import migrations, models


def _binary(model: str, name: str) -> migrations.AddField:
    return migrations.AddField(
        model_name=model, name=name, field=models.BinaryField(default=b""), preserve_default=False
    )


def _hash(model: str, name: str, *, blank: bool) -> migrations.AddField:
    return migrations.AddField(
        model_name=model,
        name=name,
        field=models.CharField(blank=blank, default="", max_length=64),
        preserve_default=False,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("corpus", "0006_partition_functions_as_owner"),
    ]

    operations = [
        migrations.AlterField(
            model_name="upload", name="name", field=models.CharField(default="", max_length=255)
        ),
        migrations.AlterField(
            model_name="subjectidentity",
            name="value",
            field=models.CharField(default="", max_length=255),
        ),
        migrations.AlterField(
            model_name="correspondent",
            name="value",
            field=models.CharField(default="", max_length=255),
        ),
        migrations.RemoveConstraint(model_name="subjectidentity", name="identity_once_per_memorial"),
        migrations.RemoveConstraint(
            model_name="correspondent", name="correspondent_once_per_memorial"
        ),
        _binary("upload", "name_encrypted"),
        _binary("upload", "outcomes_encrypted"),
        _binary("document", "source_path_encrypted"),
        _binary("document", "author_encrypted"),
        _binary("document", "author_id_encrypted"),
        _hash("document", "author_hash", blank=True),
        _hash("document", "author_id_hash", blank=True),
        _binary("document", "audience_encrypted"),
        _binary("document", "register_reason_encrypted"),
        _binary("passage", "speaker_encrypted"),
        _binary("passage", "speaker_id_encrypted"),
        _hash("passage", "speaker_hash", blank=True),
        _hash("passage", "speaker_id_hash", blank=True),
        _binary("subjectidentity", "value_encrypted"),
        _hash("subjectidentity", "value_hash", blank=False),
        _binary("correspondent", "value_encrypted"),
        _hash("correspondent", "value_hash", blank=False),
    ]
