#!/bin/sh
# Run once by the postgres image when its data volume is first initialised, as the superuser.
# Two roles, neither a superuser:
#   skilleval_owner owns the database and its tables and runs the migrations;
#   skilleval_app   is what web, worker and beat connect as: it owns nothing, so it can neither
#                   TRUNCATE nor ALTER a table nor switch a trigger off. Its privileges are
#                   granted after each migrate by `manage.py create_app_role skilleval_app`
#                   (SELECT/INSERT/UPDATE/DELETE, on the audit log only SELECT/INSERT).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v db="$POSTGRES_DB" -v owner_password="$OWNER_DB_PASSWORD" \
    -v app_password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE skilleval_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE skilleval_app LOGIN PASSWORD :'app_password';
-- From PostgreSQL 15 the owner of the database owns its public schema; nobody else creates in it.
ALTER DATABASE :"db" OWNER TO skilleval_owner;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO skilleval_owner, skilleval_app;
SQL
