#!/usr/bin/env bash
# Initialise PGDATA on first start (superuser POSTGRES_USER with POSTGRES_PASSWORD, database POSTGRES_DB),
# then run postgres in the foreground with the given arguments.
set -euo pipefail

user=${POSTGRES_USER:-postgres}
database=${POSTGRES_DB:-$user}
if [[ ! -s $PGDATA/PG_VERSION ]]; then
    : "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
    initdb --username="$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 >/dev/null
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    if [[ $database != postgres ]]; then
        # A private start (socket only) to create the database, as the official image does.
        pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
        createdb --username="$user" --owner="$user" "$database"
        pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    fi
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
