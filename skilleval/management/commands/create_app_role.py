"""The PostgreSQL role the application runs as: it reads and writes the domain tables but may
only read and append to the audit log, and owns nothing, so it can neither TRUNCATE nor ALTER
a table nor switch a trigger off. Migrations run as the owner of the tables, who runs this
command after each `migrate` (docker-compose's `migrate` service does)."""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

# Tables the application must not change beyond what it needs.
LIMITED = {
    "audits_auditentry": "SELECT, INSERT",  # append-only
    "audits_auditchainhead": "SELECT, INSERT, UPDATE",  # the head moves forward (trigger)
    "django_migrations": "SELECT",
}


class Command(BaseCommand):
    help = (
        "Create (if missing) the PostgreSQL role the app connects as and grant it SELECT, INSERT, "
        "UPDATE, DELETE on the tables, USAGE on the sequences, only SELECT and INSERT on the "
        "audit log; run as the owner of the tables after migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="name of the application's role, e.g. skilleval_app")
        parser.add_argument(
            "--password-env",
            metavar="VARIABLE",
            help="create the role with LOGIN and the password in this environment variable",
        )

    def handle(self, *args, role, password_env=None, **options):
        if connection.vendor != "postgresql":
            raise CommandError("仅用于 PostgreSQL / PostgreSQL only")
        name = connection.ops.quote_name(role)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone() is None:
                self._create(cursor, name, password_env)
            cursor.execute("SELECT current_database()")
            database = connection.ops.quote_name(cursor.fetchone()[0])
            for statement in [
                f"GRANT CONNECT ON DATABASE {database} TO {name}",
                f"GRANT USAGE ON SCHEMA public TO {name}",
                f"REVOKE CREATE ON SCHEMA public FROM {name}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}",
                # Tables a later migration creates get the same, until this runs again.
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {name}",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {name}",
                *(
                    statement
                    for table, privileges in LIMITED.items()
                    for statement in (
                        f"REVOKE ALL ON {table} FROM {name}",
                        f"GRANT {privileges} ON {table} TO {name}",
                    )
                ),
            ]:
                cursor.execute(statement)
        self.stdout.write(f"数据库角色 / Database role {role}: privileges granted")

    def _create(self, cursor, name, password_env):
        if not password_env:
            cursor.execute(f"CREATE ROLE {name} NOLOGIN")
            return
        password = os.environ.get(password_env, "")
        if not password:
            raise CommandError(f"Environment variable {password_env} is required.")
        cursor.execute(f"CREATE ROLE {name} LOGIN PASSWORD %s", [password])
