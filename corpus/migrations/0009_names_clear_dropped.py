"""The clear names go, now that 0008 encrypted them; identities and correspondents are unique
by their keyed hashes, and ordered by value only once decrypted (`corpus.selectors`)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("corpus", "0008_names_encrypt"),
    ]

    operations = [
        migrations.RemoveField(model_name="upload", name="name"),
        migrations.RemoveField(model_name="upload", name="outcomes"),
        migrations.RemoveField(model_name="document", name="source_path"),
        migrations.RemoveField(model_name="document", name="author"),
        migrations.RemoveField(model_name="document", name="author_id"),
        migrations.RemoveField(model_name="document", name="audience"),
        migrations.RemoveField(model_name="document", name="register_reason"),
        migrations.RemoveField(model_name="passage", name="speaker"),
        migrations.RemoveField(model_name="passage", name="speaker_id"),
        migrations.RemoveField(model_name="subjectidentity", name="value"),
        migrations.RemoveField(model_name="correspondent", name="value"),
        migrations.AlterModelOptions(
            name="subjectidentity", options={"ordering": ["kind", "created_at"]}
        ),
        migrations.AlterModelOptions(
            name="correspondent", options={"ordering": ["register", "created_at"]}
        ),
        migrations.AddConstraint(
            model_name="subjectidentity",
            constraint=models.UniqueConstraint(
                fields=("memorial", "kind", "value_hash"), name="identity_once_per_memorial"
            ),
        ),
        migrations.AddConstraint(
            model_name="correspondent",
            constraint=models.UniqueConstraint(
                fields=("memorial", "value_hash"), name="correspondent_once_per_memorial"
            ),
        ),
    ]
