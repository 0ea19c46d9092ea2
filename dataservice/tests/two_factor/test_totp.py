"""The TOTP function two-factor sign-in uses, against RFC 6238's reference values
(Appendix B) and, for any time, its window of one step either side."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from dataservice.two_factor import totp

# Appendix B's seeds are ASCII digits, as long as each hash's output; base32 for pyotp.
SEEDS = {
    "sha1": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",  # "12345678901234567890"
    "sha256": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA",
    "sha512": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA",
}
APPENDIX_B = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


@pytest.mark.parametrize(("when", "sha1", "sha256", "sha512"), APPENDIX_B)
def test_the_codes_are_rfc_6238s_reference_values(when, sha1, sha256, sha512):
    for digest, expected in (("sha1", sha1), ("sha256", sha256), ("sha512", sha512)):
        assert totp.code_at(SEEDS[digest], when, digits=8, digest=digest) == expected


def test_a_runners_code_is_the_six_digit_sha1_code_of_the_reference_secret():
    assert totp.code_at(SEEDS["sha1"], 59) == "287082"  # Appendix B's, last six digits


SECRET = SEEDS["sha1"]
TIMES = st.integers(min_value=10**8, max_value=2**34)  # to year 2514; pyotp stops at 9999


@given(now=TIMES, offset=st.integers(min_value=-1, max_value=1))
def test_a_code_within_one_step_of_now_is_accepted_at_its_own_step(now, offset):
    code = totp.code_at(SECRET, now + offset * totp.STEP_SECONDS)
    assume(all(totp.code_at(SECRET, now + k * 30) != code for k in (-1, 0, 1) if k != offset))
    assert totp.matching_step(SECRET, code, now) == totp.step_of(now) + offset


@given(now=TIMES, steps=st.integers(min_value=2, max_value=10**6), sign=st.sampled_from([-1, 1]))
def test_any_code_outside_the_window_is_refused(now, steps, sign):
    code = totp.code_at(SECRET, now + sign * steps * totp.STEP_SECONDS)
    # Six digits collide now and then: a code that is also a window code proves nothing.
    assume(all(totp.code_at(SECRET, now + k * 30) != code for k in (-1, 0, 1)))
    assert totp.matching_step(SECRET, code, now) is None


def test_the_provisioning_uri_names_runnerly_the_account_and_the_secret():
    uri = totp.provisioning_uri(SECRET, "ada@example.org")
    assert uri.startswith("otpauth://totp/Runnerly:ada%40example.org?")
    assert f"secret={SECRET}" in uri and "issuer=Runnerly" in uri
