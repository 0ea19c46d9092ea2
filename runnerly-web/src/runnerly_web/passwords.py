"""Password rules at sign-up: long enough, not the email, not easy to guess.

zxcvbn estimates guessability (dictionary words, names, dates, keyboard runs, l33t), with
the runner's own email and names as extra dictionary words.  Only the first 72 characters
are scored: a longer password is not guessable anyway, zxcvbn's time grows with length, and
zxcvbn 4.5+ raises on anything longer (the spec takes up to 1,024: that was a 500).
"""

from __future__ import annotations

from zxcvbn import zxcvbn

MIN_LENGTH = 10
MIN_SCORE = 2  # zxcvbn's 0-4: 2 is "somewhat guessable" (~10^8 guesses) or better
_SCORED = 72  # zxcvbn's own maximum


def password_problem(password: str, email: str, names: list[str]) -> str | None:
    """Why the password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if password.strip().casefold() == email.strip().casefold():
        return "must not be your email address"
    local_part = email.partition("@")[0]
    inputs = [word for word in (email, local_part, *names) if word]
    result = zxcvbn(password[:_SCORED], user_inputs=inputs)
    if result["score"] < MIN_SCORE:
        feedback = result.get("feedback") or {}
        hint = feedback.get("warning") or ""
        suggestions = " ".join(feedback.get("suggestions") or [])
        detail = " ".join(part for part in (hint, suggestions) if part)
        return "is too easy to guess" + (f": {detail}" if detail else "")
    return None
