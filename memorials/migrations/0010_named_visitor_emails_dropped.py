"""The named visitors' email addresses, stored in clear, go: 0009 made them memberships."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("memorials", "0009_named_visitors_from_emails"),
    ]

    operations = [
        migrations.RemoveField(model_name="memorialwishes", name="named_visitor_emails"),
    ]
