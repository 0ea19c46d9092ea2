#!/bin/sh
# Write .env (or the file named) from .env.example, filling every empty variable that a
# "# generate: <command>" line precedes with that command's output. Never overwrites.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
example="$here/.env.example"
target=${1:-"$here/.env"}
if [ -e "$target" ]; then
    echo "$target exists: not overwritten" >&2
    exit 1
fi
umask 077  # the secrets are for the owner's eyes only
generate=""
while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
        "# generate: "*)
            generate=${line#"# generate: "}
            ;;
        [A-Z]*=)
            if [ -n "$generate" ]; then
                line="$line$(sh -c "$generate")"
            fi
            generate=""
            ;;
        "#"*) ;;
        *) generate="" ;;
    esac
    printf '%s\n' "$line"
done <"$example" >"$target"
echo "wrote $target: check the Strava, mail and public address settings in it" >&2
