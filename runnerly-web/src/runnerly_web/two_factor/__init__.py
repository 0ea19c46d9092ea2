"""Two-factor sign-in (TOTP, RFC 6238): the login's second step, enrolment from the
profile, and an administrator's reset (docs/decisions.md, 53).  The secret, the codes and
their one-time use live in the dataservice; this package holds the browser's side."""
