#!/usr/bin/env bash
# Install the Debian packages in scripts/system-packages.txt that are missing. As root it
# installs them; otherwise it stops, naming the one command to run. Used by `make` and .ci/run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
missing=()
# The virtual environment needs venv and ensurepip, which Debian splits off its python3.
python3 -c "import venv, ensurepip" 2>/dev/null || missing+=(python3-venv)
while read -r pkg binaries; do
    [[ -z "$pkg" || "$pkg" == \#* ]] && continue
    if [[ -n "$binaries" ]]; then
        ok=1
        for bin in $binaries; do command -v "$bin" >/dev/null 2>&1 || ok=0; done
        ((ok)) && continue
    elif dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
        continue
    fi
    missing+=("$pkg")
done < "$here/system-packages.txt"
((${#missing[@]})) || exit 0
# Test-only tools that some machines' apt sources lack (kubectl comes from Google's
# repository, not Debian's), and libhyperscan5, which Debian builds for amd64 only (the WAF
# falls back to PCRE without it): without an install candidate they are named and left
# out, so that `make run` still works; the test that needs one fails in CI and says how.
optional=(kubectl libhyperscan5)
wanted=()
for pkg in "${missing[@]}"; do
    if [[ " ${optional[*]} " == *" $pkg "* ]] &&
        ! apt-cache policy "$pkg" 2>/dev/null | grep -q "Candidate: [0-9]"; then
        echo "Not installed: $pkg (no apt source offers it; see scripts/system-packages.txt)" >&2
        continue
    fi
    wanted+=("$pkg")
done
((${#wanted[@]})) || exit 0
cmd="apt-get update && apt-get install -y ${wanted[*]}"
if [[ "$(id -u)" != 0 ]]; then
    echo "Runnerly needs these Debian packages: ${wanted[*]}" >&2
    echo "Install them as root, then run make again:  sudo sh -c '$cmd'" >&2
    exit 1
fi
echo "Installing Debian packages: ${wanted[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${wanted[@]}" >/dev/null
