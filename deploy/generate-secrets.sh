#!/bin/sh
# Write the secrets docker-compose.yml mounts, one value a file in secrets/ (or the folder
# named), each one that does not exist yet: never overwrites. A value still in the .env
# beside that folder (an installation from before secrets were files) is moved into its
# file rather than generated anew, so the database roles' passwords go on matching.
#
#   deploy/generate-secrets.sh [SECRETS_DIR]     # deploy/generate-env.sh runs it
#
# The folder is 0700: other users of the host cannot enter it. The files are 0644 because
# Docker bind-mounts them as they are and each service reads its own as its image's user
# (10001, postgres 70), not as you (docs/decisions.md, "Secrets are files").
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-"$here/secrets"}
legacy_env="$(dirname "$dir")/.env"

umask 022
mkdir -p "$dir"
chmod 700 "$dir"

moved=""
# secret <name> <variable in an older .env> <command that prints a fresh value>
secret() {
    name=$1 variable=$2 command=$3
    file="$dir/$name"
    [ -e "$file" ] && return 0
    value=""
    if [ -n "$variable" ] && [ -f "$legacy_env" ]; then
        value=$(sed -n "s/^$variable=//p" "$legacy_env" | tail -n 1)
    fi
    if [ -n "$value" ]; then
        moved="$moved $variable"
    elif [ -n "$command" ]; then
        value=$(sh -c "$command")
    fi
    printf '%s\n' "$value" >"$file.new"
    chmod 644 "$file.new"
    mv "$file.new" "$file"
}

# PostgreSQL: the superuser's, and one role per service. The roles' passwords go into the
# services' database URLs: keep them URL-safe (hex).
secret postgres_password POSTGRES_PASSWORD "openssl rand -hex 32"
secret tokendealer_db_password TOKENDEALER_DB_PASSWORD "openssl rand -hex 32"
secret dataservice_db_password DATASERVICE_DB_PASSWORD "openssl rand -hex 32"
for service in tokendealer dataservice; do
    password=$(cat "$dir/${service}_db_password")
    secret "${service}_database_url" "" \
        "echo postgresql+psycopg://$service:$password@postgres:5432/$service"
done
# Encrypts the signing keys at rest: changing it makes the stored keys unreadable.
secret tokendealer_keys_passphrase TOKENDEALER_KEYS_PASSPHRASE "openssl rand -hex 32"
# Fernet keys for runners' Strava tokens; to rotate, put a new key first, a comma, the old.
secret dataservice_strava_token_keys DATASERVICE_STRAVA_TOKEN_KEYS \
    "openssl rand -base64 32 | tr '+/' '-_'"
# The suite's OAuth clients (config/clients.toml): tokendealer-setup registers them.
secret strava_worker_client_secret STRAVA_WORKER_CLIENT_SECRET "openssl rand -hex 32"
secret runnerly_web_client_secret RUNNERLY_WEB_CLIENT_SECRET "openssl rand -hex 32"
# The Strava application's secret: strava-sim's in the demo; with Strava, write yours here.
secret strava_client_secret STRAVA_CLIENT_SECRET "openssl rand -hex 20"
secret strava_worker_webhook_verify_token STRAVA_WORKER_WEBHOOK_VERIFY_TOKEN "openssl rand -hex 16"
# The mail relay's password: empty when it needs none.
secret strava_worker_smtp_password STRAVA_WORKER_SMTP_PASSWORD ""
# Signs runnerly-web's session cookies: changing it logs everyone out.
secret runnerly_web_secret_key RUNNERLY_WEB_SECRET_KEY "openssl rand -hex 32"
# Profile demo: strava-sim's admin token, its demo athlete's refresh token, and the demo
# runner's password (demo@runnerly.local).
secret strava_sim_admin_token STRAVA_SIM_ADMIN_TOKEN "openssl rand -hex 32"
secret strava_sim_demo_refresh_token STRAVA_SIM_DEMO_REFRESH_TOKEN "openssl rand -hex 20"
secret runnerly_demo_password RUNNERLY_DEMO_PASSWORD "openssl rand -hex 12"

if [ -n "$moved" ]; then
    echo "moved into $dir from $legacy_env:$moved; delete those lines from $legacy_env" >&2
fi
echo "secrets in $dir: check strava_client_secret and strava_worker_smtp_password" >&2
