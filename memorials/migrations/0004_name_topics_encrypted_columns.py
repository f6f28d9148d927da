"""The memorial's name and the wishes' forbidden topics get encrypted columns beside the
clear ones; 0005 fills them, 0006 drops the clear ones. The clear name gets a default, so
that going back can add it again to a table with rows."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("memorials", "0003_erasurecertificate_from_consent"),
    ]

    operations = [
        migrations.AlterField(
            model_name="memorial",
            name="name",
            field=models.CharField(
                default="", help_text="The name the family knows them by.", max_length=200
            ),
        ),
        migrations.AddField(
            model_name="memorial",
            name="name_encrypted",
            field=models.BinaryField(default=b""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="memorialwishes",
            name="forbidden_topics_encrypted",
            field=models.BinaryField(blank=True, default=b""),
        ),
    ]
