#!/usr/bin/env bash
# Pins every third-party image to the digest its tag names today: for each `name:tag` in
# deploy/base-images.txt, asks the registry for the digest of the tag's multi-platform
# index, and rewrites `name:tag[@sha256:...]` to `name:tag@sha256:<digest>` in every
# Dockerfile's FROM lines and in docker-compose.yml's image: lines. Run it on a machine that
# reaches the registry (the build host, or CI), then review and commit the diff with a
# build of the images:
#
#   deploy/pin-images.sh           # rewrite the pins whose tag has moved
#   deploy/pin-images.sh --check   # list them, change nothing; exit 1 if any moved
#
# It asks, in this order, whichever is installed: `docker buildx imagetools inspect`,
# `crane digest` or `skopeo inspect --raw` (the sha256 of the raw index is its digest);
# PIN_IMAGES_CLIENT=docker|crane|skopeo chooses one.
# Renovate (renovate.json) opens the same change on its own schedule.
set -euo pipefail
cd "$(dirname "$0")/.."

check=false
case "${1:-}" in
    --check) check=true ;;
    "") ;;
    *) echo "usage: $0 [--check]" >&2; exit 64 ;;
esac

files=(*/Dockerfile docker-compose.yml)

client=${PIN_IMAGES_CLIENT:-}
if [[ -z "$client" ]]; then
    if command -v docker >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1; then
        client=docker
    elif command -v crane >/dev/null 2>&1; then
        client=crane
    elif command -v skopeo >/dev/null 2>&1; then
        client=skopeo
    else
        echo "pin-images: no registry client: install docker buildx, crane or skopeo" >&2
        exit 69
    fi
fi

resolve() {
    local ref=$1
    case "$client" in
        # The first Digest: line is the index's; the ones under Manifests: are per platform.
        docker) docker buildx imagetools inspect "$ref" | awk '$1 == "Digest:" { print $2; exit }' ;;
        crane) crane digest "$ref" ;;
        # Through a file: the hash is of the exact bytes, a failed inspect is no digest.
        skopeo)
            local raw
            raw=$(mktemp)
            skopeo inspect --raw "docker://$ref" > "$raw" || { rm -f "$raw"; return 1; }
            printf 'sha256:%s\n' "$(sha256sum < "$raw" | cut -d' ' -f1)"
            rm -f "$raw"
            ;;
        *) echo "pin-images: PIN_IMAGES_CLIENT=$client: docker, crane or skopeo" >&2; return 64 ;;
    esac
}

# The reference as an extended regular expression (dots, slashes taken literally).
pattern() {
    printf '%s' "$1" | sed -e 's/[][\.*^$+?(){}|/]/\\&/g'
}

# Every digest is resolved before any file is written: one tag the registry refuses
# leaves every file as it was.
declare -A digests
refs=()
while read -r ref _; do
    [[ -z "$ref" || "$ref" == \#* ]] && continue
    refs+=("$ref")
    # </dev/null: the client must not read the rest of the list from the loop's input.
    digest=$(resolve "$ref" </dev/null) || { echo "pin-images: $ref: the registry did not answer" >&2; exit 1; }
    if [[ ! "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then
        echo "pin-images: $ref: no digest in the answer: ${digest:-nothing}" >&2
        exit 1
    fi
    digests[$ref]=$digest
done < deploy/base-images.txt

moved=0
for ref in "${refs[@]}"; do
    new="$ref@${digests[$ref]}"
    re=$(pattern "$ref")
    # As a FROM's image or an image: value: after a space, then a space or the line's end.
    current=$(grep -hoE "[[:space:]]$re(@sha256:[0-9a-f]{64})?([[:space:]]|\$)" "${files[@]}" \
        | sed -E 's/^[[:space:]]+//; s/[[:space:]]+$//' | sort -u || true)
    if [[ -z "$current" ]]; then
        echo "pin-images: $ref is in deploy/base-images.txt but in no Dockerfile or compose file" >&2
        exit 1
    fi
    if [[ "$current" == "$new" ]]; then
        continue
    fi
    moved=1
    echo "$ref: ${current//$'\n'/, } -> ${digests[$ref]}"
    if ! $check; then
        sed -E -i "s#([[:space:]])$re(@sha256:[0-9a-f]{64})?([[:space:]]|\$)#\1$new\3#g" "${files[@]}"
    fi
done

if $check; then
    exit "$moved"
fi
