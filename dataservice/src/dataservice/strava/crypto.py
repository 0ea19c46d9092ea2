"""Strava tokens at rest: Fernet (AES-128-CBC + HMAC-SHA256) with key rotation.

``DATASERVICE_STRAVA_TOKEN_KEYS`` lists keys newest first: the first encrypts, all
decrypt, so a new key can be put in front and old rows re-encrypted at leisure.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class TokenCipher:
    def __init__(self, keys: str) -> None:
        parts = [k.strip() for k in keys.split(",") if k.strip()]
        if not parts:
            raise ValueError("DATASERVICE_STRAVA_TOKEN_KEYS is empty (make setup generates one)")
        try:
            self._fernet = MultiFernet([Fernet(k) for k in parts])
        except ValueError:
            raise ValueError(
                "DATASERVICE_STRAVA_TOKEN_KEYS must hold Fernet keys "
                "(32 url-safe base64 bytes, e.g. from `python -c 'from cryptography.fernet "
                "import Fernet; print(Fernet.generate_key().decode())'`)"
            ) from None

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise ValueError(
                "a Strava token cannot be decrypted with the configured keys"
            ) from None
