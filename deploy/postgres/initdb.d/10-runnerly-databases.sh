#!/bin/sh
# Run once by the postgres image, on an empty data volume: one database and one login role
# per service that keeps data, so the tokendealer cannot read runs nor the dataservice keys.
# Passwords come from the container's environment (docker-compose.yml, from .env).
set -eu

for service in tokendealer dataservice; do
    case "$service" in
        tokendealer) password="${TOKENDEALER_DB_PASSWORD:?TOKENDEALER_DB_PASSWORD is required}" ;;
        dataservice) password="${DATASERVICE_DB_PASSWORD:?DATASERVICE_DB_PASSWORD is required}" ;;
    esac
    # psql's :'var' quotes the password as a literal, whatever characters it holds.
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        -v role="$service" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
done
