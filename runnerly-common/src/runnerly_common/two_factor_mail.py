"""The notice a runner gets when an administrator removes their two-factor sign-in, the
same from the dashboard's admin page (runnerly-web) and from ``runnerly two-factor reset``
(runnerly-admin); the worker delivers it (``DELIVER_MAIL``, decision 52)."""

from __future__ import annotations

from runnerly_common.mail import Action, Mail, compose

RESET_SUBJECT = "Two-factor sign-in was removed from your Runnerly account"


def reset_notice(
    to: str, public_url: str, first_name: str = "", runner_id: int | None = None
) -> Mail:
    """``runner_id``: the runner whose address ``to`` is (the worker adds their unsubscribe)."""
    name = "".join(ch for ch in first_name if ch.isprintable()).strip()
    home = public_url.rstrip("/")
    return compose(
        to,
        RESET_SUBJECT,
        [
            "An administrator removed two-factor sign-in from your Runnerly account, as is "
            "done for a runner who lost their phone and their recovery codes. Your password "
            "alone now logs in.",
            "Set it up again from your profile. If you did not ask for this, change your "
            "password now and write to your Runnerly administrator.",
        ],
        public_url=home,
        action=Action("Open your profile", f"{home or 'http://localhost:8080'}/profile"),
        greeting=f"Hi {name}," if name else "Hello,",
        headers={"X-Runnerly-Mail": "account"},
        runner_id=runner_id,
    )
