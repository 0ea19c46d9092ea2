#!/bin/sh
# Make what docker-compose.yml reads, in one command: .env (or the file named) from
# .env.example, unless it exists, and beside it secrets/, one file a secret
# (deploy/generate-secrets.sh: each missing one generated, or moved from an older .env).
# Never overwrites; run it again after an upgrade that adds a secret.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
example="$here/.env.example"
target=${1:-"$here/.env"}
umask 077  # the settings name the site's hosts and accounts: the owner's eyes only
if [ -e "$target" ]; then
    echo "$target exists: not overwritten" >&2
else
    cp "$example" "$target"
    chmod 600 "$target"
    echo "wrote $target: check the Strava, mail and public address settings in it" >&2
fi
"$here/deploy/generate-secrets.sh" "$(cd "$(dirname "$target")" && pwd)/secrets"
