"""The clear name and forbidden topics go, now that 0005 encrypted them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("memorials", "0005_name_topics_encrypt"),
    ]

    operations = [
        migrations.RemoveField(model_name="memorial", name="name"),
        migrations.RemoveField(model_name="memorialwishes", name="forbidden_topics"),
    ]
