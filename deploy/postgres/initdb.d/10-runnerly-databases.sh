#!/bin/sh
# Run once by the postgres image, on an empty data volume: one database and one login role
# per service that keeps data, so the tokendealer cannot read runs nor the dataservice keys.
# Passwords come from the files <SERVICE>_DB_PASSWORD_FILE names (compose secrets, written
# by deploy/generate-secrets.sh), never from the container's environment.
set -eu

for service in tokendealer dataservice; do
    case "$service" in
        tokendealer) file="${TOKENDEALER_DB_PASSWORD_FILE:?TOKENDEALER_DB_PASSWORD_FILE is required}" ;;
        dataservice) file="${DATASERVICE_DB_PASSWORD_FILE:?DATASERVICE_DB_PASSWORD_FILE is required}" ;;
    esac
    password=$(cat "$file")
    if [ -z "$password" ]; then
        echo "$file is empty: no password for the $service role" >&2
        exit 1
    fi
    # psql's :'var' quotes the password as a literal, whatever characters it holds.
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        -v role="$service" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
done
