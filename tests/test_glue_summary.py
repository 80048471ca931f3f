"""What env and login say on stderr (envoutput.summary_lines) and what `awsmfa --help` tells a
newcomer: a role's summary is two short lines that call a session new (made with a code),
renewed (made with no code from the stored MFA session) or reused, and say who renews it next;
the top-level help names `awsmfa install` and the `mfa` function it adds.
"""
import datetime as dt
import re
import subprocess

from awsenv import AWSMFA
from awsshell_setup.core import timeutil


def test_a_role_summary_is_short_and_says_new_renewed_or_reused():
    from awsshell_setup.sessions import envoutput, rules
    from awsshell_setup.sessions.profiles import Credentials

    end = timeutil.now() + dt.timedelta(hours=1)
    mfa_end = timeutil.now() + dt.timedelta(hours=11)

    def role_outcome(reused, serial, mfa_profile="base-mfa", renewing="ops-mfa-auto"):
        outcome = rules.Outcome(Credentials("ASIAX", "s", "t", end), "ops", "ops-mfa", reused,
                                "/home/u/.aws/credentials", serial=serial, duration=3600)
        outcome.role_arn = "arn:aws:iam::111111111111:role/ops"
        outcome.mfa_profile, outcome.renewing_profile = mfa_profile, renewing
        outcome.mfa_expiration = mfa_end if mfa_profile else None
        return outcome

    environ = {"HOME": "/home/u"}
    with_code = envoutput.summary_lines(role_outcome(False, "arn:aws:iam::1:mfa/me"), environ)
    no_code = envoutput.summary_lines(role_outcome(False, None), environ)
    reused = envoutput.summary_lines(role_outcome(True, None), environ)
    per_role = envoutput.summary_lines(role_outcome(False, "arn:aws:iam::1:mfa/me", mfa_profile=None), environ)
    for lines in (with_code, no_code, reused, per_role):
        assert len(lines) == 2 and all(len(line) <= 120 for line in lines), lines
    assert ": new session [ops-mfa], until " in with_code[0] and ": new session [ops-mfa], until " in per_role[0]
    assert ": renewed session [ops-mfa], until " in no_code[0]
    assert ": reusing session [ops-mfa], until " in reused[0]
    assert "renewed" not in with_code[0] + reused[0] + per_role[0]
    assert re.fullmatch(r"\[ops-mfa-auto\] renews it with no code until MFA session \[base-mfa\] ends at \S+ \S+ UTC",
                        with_code[1]), with_code
    assert per_role[1] == "[ops-mfa-auto] renews it, asking for a code each time"


def test_the_top_level_help_names_install_and_mfa(tmp_path):
    result = subprocess.run(AWSMFA + ["--help"], capture_output=True, text=True, timeout=60)
    head = result.stdout.split("Options:")[0]
    assert re.search(r"awsmfa install +set up your shell", head), head
    assert re.search(r"\n +mfa +ask for the MFA code", head) and "runs `awsmfa env`" in head, head
