"""Generate development secrets into var/dev/ (ignored by git) and bootstrap the tokendealer.

Idempotent: secrets already there are kept, so tokens and data survive a restart.
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = ROOT / "var" / "dev" / "runnerly.env"
# Secrets the services need that no other tool generates.
GENERATED = {
    "TOKENDEALER_KEYS_PASSPHRASE": lambda: secrets.token_urlsafe(32),
    # A Fernet key: 32 random bytes, url-safe base64.
    "DATASERVICE_STRAVA_TOKEN_KEYS": lambda: base64.urlsafe_b64encode(os.urandom(32)).decode(),
    "RUNNERLY_DEMO_PASSWORD": lambda: secrets.token_urlsafe(12),
    # strava-sim's application secret, and the refresh token its demo athlete (1) starts
    # with, so the demo runner is linked without a browser.
    "STRAVA_SIM_CLIENT_SECRET": lambda: secrets.token_hex(20),
    "STRAVA_SIM_DEMO_REFRESH_TOKEN": lambda: secrets.token_hex(20),
    "STRAVA_WORKER_WEBHOOK_VERIFY_TOKEN": lambda: secrets.token_urlsafe(16),
    # Signs runnerly-web's session cookies.
    "RUNNERLY_WEB_SECRET_KEY": lambda: secrets.token_urlsafe(32),
}
# Values that must equal another generated one: the worker is strava-sim's application.
COPIED = {
    "STRAVA_WORKER_STRAVA_CLIENT_SECRET": "STRAVA_SIM_CLIENT_SECRET",
    # runnerly-web connects runners to the same Strava application.
    "RUNNERLY_WEB_STRAVA_CLIENT_SECRET": "STRAVA_SIM_CLIENT_SECRET",
}
DEMO_EMAIL = "demo@runnerly.local"


def read_env(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            values[name.strip()] = value.strip()
    return values


def write_env(path: Path, values: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("# Generated development secrets. Never commit this file.\n")
        out.writelines(f"{k}={v}\n" for k, v in values.items())


def main() -> int:
    values = read_env(ENV_FILE)
    missing = {name: make() for name, make in GENERATED.items() if not values.get(name)}
    merged = {**values, **missing}
    missing.update(
        {name: merged[src] for name, src in COPIED.items() if values.get(name) != merged[src]}
    )
    if missing or not ENV_FILE.exists():
        write_env(ENV_FILE, {**values, **missing})
    env = {**os.environ, **read_env(ROOT / "config" / "dev.env"), **read_env(ENV_FILE)}
    bin_dir = Path(sys.executable).parent
    steps = [
        # Keys and the suite's OAuth clients, their secrets written into the env file.
        [
            "tokendealer",
            "bootstrap",
            "--clients",
            str(ROOT / "config" / "clients.toml"),
            "--env-file",
            str(ENV_FILE),
        ],
        ["dataservice", "migrate"],
        # The embedded broker's queues, before the worker, the streams worker and beat
        # race to make them (strava_worker.broker).
        ["python", "-m", "strava_worker.broker"],
        [
            "dataservice",
            "ensure-user",
            DEMO_EMAIL,
            "--password-env",
            "RUNNERLY_DEMO_PASSWORD",
            "--first-name",
            "Demo",
            "--last-name",
            "Runner",
        ],
        # strava-sim's athlete 1 starts authorized with this refresh token; the worker
        # refreshes it and backfills as soon as beat starts.
        [
            "dataservice",
            "link-strava",
            DEMO_EMAIL,
            "--athlete-id",
            "1",
            "--refresh-token-env",
            "STRAVA_SIM_DEMO_REFRESH_TOKEN",
        ],
    ]
    for command, *args in steps:
        result = subprocess.run(
            [str(bin_dir / command), *args], env=env, cwd=ROOT, stdout=subprocess.DEVNULL
        )
        if result.returncode != 0:
            print(f"setup step failed: {command} {' '.join(args)}", file=sys.stderr)
            return result.returncode
    print(f"development secrets ready in {ENV_FILE.relative_to(ROOT)}")
    print(f"demo runner: {DEMO_EMAIL} (password: RUNNERLY_DEMO_PASSWORD in that file)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
