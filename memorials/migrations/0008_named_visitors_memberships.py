"""Named visitors become memberships (and, for people not yet joined, invitations); the old
list of email addresses is kept as `named_visitor_emails` until 0009 has read it. A memorial
also records whether its living subject opened it to visitors."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("memorials", "0007_invitation_email_encrypted"),
    ]

    operations = [
        migrations.AddField(
            model_name="memorial",
            name="opened_while_living_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name="memorial",
            constraint=models.CheckConstraint(
                condition=models.Q(opened_while_living_at__isnull=True)
                | models.Q(state="active"),
                name="memorial_opened_while_living_only_active",
            ),
        ),
        migrations.RenameField(
            model_name="memorialwishes",
            old_name="named_visitors",
            new_name="named_visitor_emails",
        ),
        migrations.AddField(
            model_name="memorialwishes",
            name="named_visitors",
            field=models.ManyToManyField(
                blank=True, related_name="named_in", to="memorials.membership"
            ),
        ),
        migrations.AddField(
            model_name="memorialwishes",
            name="named_invitations",
            field=models.ManyToManyField(
                blank=True, related_name="named_in", to="memorials.invitation"
            ),
        ),
    ]
