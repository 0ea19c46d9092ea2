"""List your Runnerly runs from a script: the OAuth 2.1 code flow with PKCE (docs/tokens.md,
"Third-party apps"). Register it once: tokendealer add-app runs-script --name "Runs script"
--redirect-uri http://127.0.0.1/callback --scope runs:read --public"""

import base64
import hashlib
import http.server
import json
import os
import secrets
import urllib.parse
import webbrowser

import requests

BASE = os.environ.get("RUNNERLY_URL", "http://localhost:8080")  # the gateway
CLIENT_ID = os.environ.get("RUNNERLY_CLIENT_ID", "runs-script")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def get_token(open_url=webbrowser.open) -> dict:
    verifier, state, got = b64(secrets.token_bytes(32)), secrets.token_urlsafe(16), {}

    class Callback(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # the browser, sent back by the consent page
            got.update(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"Done: you may close this tab.")

    server = http.server.HTTPServer(("127.0.0.1", 0), Callback)  # any free loopback port
    redirect_uri = f"http://127.0.0.1:{server.server_port}/callback"
    challenge = b64(hashlib.sha256(verifier.encode()).digest())
    query = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": redirect_uri,
             "scope": "runs:read", "state": state, "code_challenge": challenge,
             "code_challenge_method": "S256"}  # fmt: skip
    open_url(f"{BASE}/oauth/authorize?{urllib.parse.urlencode(query)}")
    while "code" not in got and "error" not in got:
        server.handle_request()
    server.server_close()
    if got.get("state") != state or "code" not in got:
        raise SystemExit(f"not authorized: {got.get('error', 'the state does not match')}")
    answer = requests.post(f"{BASE}/oauth/token", timeout=10, data={
        "grant_type": "authorization_code", "code": got["code"], "redirect_uri": redirect_uri,
        "code_verifier": verifier, "client_id": CLIENT_ID})  # fmt: skip
    answer.raise_for_status()
    return answer.json()  # access_token (5 minutes), refresh_token (single use: rotate it)


def list_runs(access_token: str) -> list[dict]:
    runner = json.loads(base64.urlsafe_b64decode(access_token.split(".")[1] + "=="))["sub"]
    headers = {"Authorization": f"Bearer {access_token}"}
    answer = requests.get(f"{BASE}/api/v1/users/{runner}/runs", headers=headers, timeout=10)
    answer.raise_for_status()
    return answer.json()["items"]


if __name__ == "__main__":
    for run in list_runs(get_token()["access_token"]):
        print(run["start_time"], f"{run['distance'] / 1000:6.2f} km", run["title"])
