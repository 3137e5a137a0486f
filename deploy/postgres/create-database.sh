#!/usr/bin/env bash
# Creates the hub's role and database on PostgreSQL 15 (run as root on the database machine), with the C
# collation the hub expects (names sort as on SQLite; docs/hub.md, Database). Prints nothing secret: the role's
# password is read from stdin. Then point every hub replica at postgres://cxr:<password>@<db-host>:5432/cxr
# (database.url, or CXR_HUB_DATABASE_URL in /etc/cxr/hub.env). The first hub to start applies the migrations.
#   echo 'a long password' | deploy/postgres/create-database.sh
set -euo pipefail
password=$(cat)
[ -n "$password" ] || { echo "create-database.sh: give the cxr role's password on stdin" >&2; exit 2; }
sql_literal=${password//\'/\'\'}
runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cxr') THEN CREATE ROLE cxr LOGIN; END IF;
END \$\$;
ALTER ROLE cxr PASSWORD '${sql_literal}';
SQL
if ! runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'cxr'" | grep -q 1; then
  runuser -u postgres -- createdb --template=template0 --locale=C -E UTF8 -O cxr cxr
fi
echo "database cxr (owner cxr, C collation) ready"
