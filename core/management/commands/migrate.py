"""`manage.py migrate`, always as the database owner, then the app role's privileges.

The app connects as a role that may not change the schema nor the audit log (core.roles);
migrations need the owner, named by DATABASE_OWNER_URL (on the embedded default, the
superuser). After migrating, the app role is granted its privileges on every table, the new
ones included; on the audit tables only SELECT and INSERT.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import migrate
from django.db import connections

from core.roles import app_privileges_grant, connected_as_owner


class Command(migrate.Command):
    help = migrate.Command.help + " Runs as the database owner, then grants the app role."

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        with connected_as_owner(connection) as app_role:
            super().handle(*args, **options)
            if not (options["plan"] or options["check_unapplied"]):
                app_privileges_grant(connection=connection, app_role=app_role)
