"""`awsmfa rotate`: replace the source profile's access key with a new one, and `key_age`.

The steps, each journalled first (rotatejournal.py) so that no crash, SIGKILL or failed call
loses a working key, and a rerun finishes (or undoes) what a stopped run began:

1. local checks: the profile holds long-term keys in the credentials file (not a role, not a
   session, not a secret store's credential_process), the file can be written; with no
   terminal and no --yes, refuse here, before any call;
2. GetCallerIdentity with the key in use: which IAM user it is;
3. ListAccessKeys with that key: a user who already has two keys is refused before any code
   (unless the second one is this rotation's own, from a run that stopped); a policy that
   lets only an MFA session list keys moves this check after step 4;
4. the question (unless --yes), then the MFA session (mfasession.obtain: a stored one, or a code);
5. STARTED written, then CreateAccessKey for the user by name, then PENDING written (the new key
   and its secret, beside the old key still in use);
6. the new key is tried (GetCallerIdentity) until AWS accepts it, with backoff within
   WAIT_SECONDS (IAM takes seconds to know a new key everywhere);
7. ACTIVATE in one write: the new key in aws_access_key_id/aws_secret_access_key, the old one's
   id kept as RETIRED;
8. DeleteAccessKey of the old key (with the MFA session), then the journal goes.

A run that finds a journal picks up there: STARTED alone (the key made, or not, before its
answer was kept) deletes the orphan the user's key list shows, then starts over; PENDING goes
on from step 6; RETIRED from step 8.

For tests only, AWSMFA_ROTATE_STOP_AT=STEP makes the process SIGKILL itself right after that
step (STOP_POINTS), so a test can stop a rotation at each step for certain.
"""
import datetime as _dt
import os
import signal
import time

from ..core import fileio, paths, timeutil
from . import iamkeys, rotatejournal
from ..core.debug import log
from ..core.errors import AwsmfaError, Cancelled, NoTerminal, ProfileProblem, UsageError
from .profiles import KEY_ID, AwsFiles, Credentials

STOP_VARIABLE = "AWSMFA_ROTATE_STOP_AT"
STOP_POINTS = ("session", "started", "created", "pending", "accepted", "activated", "deleted", "finished")
WAIT_VARIABLE = "AWSMFA_ROTATE_WAIT"
WAIT_SECONDS = 60.0  # AWS: a new key is usually known everywhere within seconds
# A key made this long before STARTED's time still counts as this rotation's (clocks differ:
# AWS's CreateDate against this machine's clock, which SigV4 lets be 15 minutes off).
ORPHAN_SKEW = _dt.timedelta(minutes=15)
ROTATE_TURN_SUFFIX = ".rotate"  # fileio.turn's lock file: .credentials.rotate.awsmfa-lock
TURN_WAIT_SECONDS = 0.5


class Plan:
    """What one run found before asking anything: the profile, its user, its keys."""

    def __init__(self, profile, source, user_name, user_arn, journal, keys):
        self.profile, self.source, self.user_name, self.user_arn = profile, source, user_name, user_arn
        self.journal, self.keys = journal, keys  # keys: iamkeys.KeyInfo list, None if not allowed to list

    def orphans(self):
        """Keys this rotation made whose answer was lost: made since STARTED, in no line of ours."""
        if self.keys is None or self.journal.started is None or self.journal.pending_id:
            return []
        ours = {self.journal.active_id, self.journal.retired_id}
        since = self.journal.started - ORPHAN_SKEW
        return [key for key in self.keys if key.access_key_id not in ours and key.created is not None
                and key.created >= since]


def rotate(environ=None, profile=None, token_code=None, confirm=None, say=None, ask_code=None):
    """Rotate the key; returns the new key's id. confirm(question) -> bool, or None for --yes.
    say(line): progress for a person (stderr). Raises AwsmfaError kinds."""
    environ = os.environ if environ is None else environ
    say = say or (lambda line: None)
    files = AwsFiles(environ)
    from .mfasession import choose_source

    name, how = choose_source(files, profile)
    _rotatable_source(files, name)
    rotatejournal.check_writable(environ)
    # One rotation at a time per credentials file: a second one would read a journal the first
    # is still writing. Refused at once (nothing asked or sent), not waited for.
    with fileio.turn(files.credentials_path + ROTATE_TURN_SUFFIX, TURN_WAIT_SECONDS,
                     busy="another awsmfa rotate is running on this credentials file; let it finish"):
        return _rotate(environ, name, how, token_code, confirm, say, ask_code)


def _rotate(environ, name, how, token_code, confirm, say, ask_code):
    files = AwsFiles(environ)  # again, under the turn: as the last run left them
    source = _rotatable_source(files, name)
    journal = rotatejournal.read(files, name)
    log("rotating the key of [%s] (%s); journal %r", name, how, journal)

    from .sts import AwsClients  # botocore: only now that a call is certain

    calls = iamkeys.KeyCalls(AwsClients(source, environ))
    plan = _plan(calls, name, source, journal)
    _check_room(plan)
    if confirm is not None and not confirm(_question(plan)):
        raise Cancelled("rotation cancelled")
    mfa = _mfa_session(environ, name, token_code, ask_code)
    _stop_at("session", environ)
    if plan.keys is None:  # the policy lets only an MFA session list keys: check now
        plan.keys = calls.list_keys(plan.user_name, mfa)
        _check_room(plan)

    for orphan in plan.orphans():
        calls.delete_key(plan.user_name, orphan.access_key_id, mfa)
        say(f"deleted access key {_shown(orphan.access_key_id)}, made by a rotation that stopped before it kept it")
    journal = plan.journal
    if journal.retired_id:
        _delete_old(calls, environ, plan, journal.active_id, journal.retired_id, mfa, say)
        return journal.active_id
    if journal.pending_id and not any(key.access_key_id == journal.pending_id for key in plan.keys):
        log("the pending key %s is no longer the user's: starting over", journal.pending_id)
        journal.pending_id = None
    if journal.pending_id:
        new_key = iamkeys.NewKey(journal.pending_id, journal.pending_secret)
        say(f"finishing the rotation a stopped run began: new key {_shown(new_key.access_key_id)}")
    else:
        new_key = _create(calls, environ, plan, mfa, say)
    old_id = journal.active_id
    _wait_until_accepted(calls, environ, plan, new_key, say)
    _stop_at("accepted", environ)
    rotatejournal.activate(environ, name, old_id, new_key.access_key_id, new_key.secret_access_key)
    say(f"[{_shown(name)}] now holds the new key {_shown(new_key.access_key_id)}")
    _stop_at("activated", environ)
    _delete_old(calls, environ, plan, new_key.access_key_id, old_id, mfa, say)
    return new_key.access_key_id


def _shown(text):
    """A key id or user name for a line on the terminal: they come from the user's file and
    from AWS, so escaped (paths.printable) like every such text."""
    return paths.printable(str(text))


def _rotatable_source(files, name):
    """The source profile, once it is one awsmfa can rotate: else one line saying what to do."""
    from . import roleprofiles

    if roleprofiles.role_chain(files, name) is not None:
        raise ProfileProblem(f"profile [{name}] is a role profile; a role has no access key of its own",
                             hint="rotate its source profile's key: awsmfa rotate --profile SOURCE")
    config = files.config_section(name) or {}
    credentials = files.credentials.section(name) or {}
    if config.get("credential_process") and KEY_ID not in credentials:
        raise ProfileProblem(f"profile [{name}] takes its keys from a secret store (credential_process); awsmfa "
                             "cannot write a new key there",
                             hint="make the new key with `aws iam create-access-key`, store it in your secret store, "
                                  "then delete the old one with `aws iam delete-access-key`")
    source = files.source_profile(name)  # refuses sessions, missing keys, session tokens
    if KEY_ID not in credentials:
        raise ProfileProblem(f"the keys of profile [{name}] are in {files.show(files.config_path)}; awsmfa rotates "
                             f"keys kept in {files.show(files.credentials_path)}",
                             hint="move aws_access_key_id and aws_secret_access_key there first")
    return source


def _plan(calls, name, source, journal):
    """Who the key in use belongs to, and the user's keys (None when the key may not list them)."""
    try:
        arn = calls.caller_arn()
    except iamkeys.CallFailed as error:
        if error.code not in iamkeys.UNKNOWN_KEY_CODES:
            raise
        raise ProfileProblem(f"AWS does not accept the access key of [{name}] ({error.code}); there is no working "
                             "key to rotate from", hint="make a new key in the IAM console and run `aws configure`")
    user_name = iamkeys.user_name_of(arn)
    try:
        keys = calls.list_keys(user_name)
    except iamkeys.CallFailed as error:
        if error.code not in ("AccessDenied", "AccessDeniedException"):
            raise
        log("ListAccessKeys with the long-term key: %s; listing with the MFA session instead", error.code)
        keys = None
    log("user %s; keys %r", user_name, keys)
    return Plan(name, source, user_name, arn, journal, keys)


def _check_room(plan):
    """Two keys already (not counting this rotation's own): CreateAccessKey would fail."""
    if plan.keys is None:
        return
    ours = {plan.journal.pending_id, plan.journal.retired_id} | {key.access_key_id for key in plan.orphans()}
    others = [key.access_key_id for key in plan.keys
              if key.access_key_id != plan.journal.active_id and key.access_key_id not in ours]
    if plan.journal.retired_id or plan.journal.pending_id:
        return  # a run that stopped after CreateAccessKey: its key is one of the two
    if others:
        raise UsageError(f"user {plan.user_name} already has two access keys ({plan.journal.active_id} in "
                         f"[{plan.profile}] and {others[0]}); IAM allows no third",
                         hint=f"delete the one you do not use: aws iam delete-access-key --user-name {plan.user_name} "
                              f"--access-key-id {others[0]}")


def _question(plan):
    journal = plan.journal
    if journal.retired_id:
        return (f"delete the old access key {_shown(journal.retired_id)} of user {_shown(plan.user_name)}, "
                "as a stopped rotation meant?")
    return (f"replace the access key {_shown(journal.active_id)} of [{_shown(plan.profile)}] "
            f"(user {_shown(plan.user_name)}) with a new one and delete the old one?")


def _mfa_session(environ, name, token_code, ask_code):
    from . import mfasession

    outcome = mfasession.obtain(mfasession.Request(profile=name, token_code=token_code), environ=environ,
                                ask_code=ask_code)
    log("MFA session from [%s] (%s)", outcome.session_profile, "reused" if outcome.reused else "new")
    return outcome.credentials


def _create(calls, environ, plan, mfa, say):
    old_id = plan.journal.active_id
    started = rotatejournal.start(environ, plan.profile, old_id)
    _stop_at("started", environ)
    new_key = calls.create_key(plan.user_name, mfa)
    _stop_at("created", environ)
    try:
        rotatejournal.pending(environ, plan.profile, old_id, started, new_key)
    except AwsmfaError as error:
        # The new key would be lost with this process: take it back, so the user keeps one key.
        log("cannot keep the new key (%s): deleting it", error.message)
        calls.delete_key(plan.user_name, new_key.access_key_id, mfa)
        raise
    say(f"created access key {_shown(new_key.access_key_id)} for user {_shown(plan.user_name)}")
    _stop_at("pending", environ)
    return new_key


def _wait_until_accepted(calls, environ, plan, new_key, say):
    from .sts import seconds_setting

    limit = seconds_setting(environ, WAIT_VARIABLE, WAIT_SECONDS)
    keys = Credentials(new_key.access_key_id, new_key.secret_access_key, None, None)
    started, pause, tries = time.monotonic(), 0.5, 0
    while True:
        tries += 1
        try:
            arn = calls.caller_arn(keys)
            break
        except iamkeys.CallFailed as error:
            waited = time.monotonic() - started
            if error.code not in iamkeys.UNKNOWN_KEY_CODES or waited + pause > limit:
                raise AwsmfaError(f"AWS did not accept the new key {new_key.access_key_id} within {waited:.0f} s "
                                  f"({error.code or error.message}); [{plan.profile}] still uses the old key, which "
                                  "works", hint="run `awsmfa rotate` again later to finish", done=None) from None
            log("new key not known yet (%s, try %d): again in %.1f s", error.code, tries, pause)
            time.sleep(pause)
            pause = min(pause * 2, 8.0)
    if arn != plan.user_arn:
        raise AwsmfaError(f"the new key {new_key.access_key_id} belongs to {arn}, not to {plan.user_arn}; "
                          f"[{plan.profile}] still uses the old key", hint="look into it before running rotate again",
                          done=None)
    if tries > 1:
        say(f"AWS accepts the new key (after {time.monotonic() - started:.0f} s)")


def _delete_old(calls, environ, plan, active_id, old_id, mfa, say):
    if calls.delete_key(plan.user_name, old_id, mfa):
        say(f"deleted the old access key {_shown(old_id)}")
    else:
        log("the old key %s was gone already", old_id)
    _stop_at("deleted", environ)
    rotatejournal.finish(environ, plan.profile, active_id)
    _stop_at("finished", environ)


def _stop_at(point, environ):
    """The test hook: SIGKILL this process right after `point` (see the module's docstring)."""
    if environ.get(STOP_VARIABLE) == point:
        os.kill(os.getpid(), signal.SIGKILL)


def check_can_ask(yes, interactive):
    """With no --yes, a person must be there to answer the question: refuse before anything."""
    if not yes and not interactive:
        raise NoTerminal("awsmfa rotate asks before it replaces your key, and there is no terminal to ask on",
                         hint="pass --yes to rotate without asking")


class KeyAge:
    """The age of the key a profile uses, from one ListAccessKeys call."""

    __slots__ = ("access_key_id", "created", "status")

    def __init__(self, access_key_id, created, status):
        self.access_key_id, self.created, self.status = access_key_id, created, status

    def seconds(self, moment=None):
        return ((moment or timeutil.now()) - self.created).total_seconds()

    def describe(self, moment=None):
        days = int(self.seconds(moment) // 86400)
        return f"access key {self.access_key_id}: {days} day{'s' if days != 1 else ''} old"

    def __repr__(self):
        return f"KeyAge({self.access_key_id!r}, {self.created})"


def key_age(profile=None, environ=None):
    """KeyAge of the source profile's key: one IAM call (ListAccessKeys for the caller, signed
    with that key), for `status --keys`. Raises AwsmfaError kinds."""
    environ = os.environ if environ is None else environ
    files = AwsFiles(environ)
    from .mfasession import choose_source
    from .sts import AwsClients

    name, _ = choose_source(files, profile)
    source = files.source_profile(name)
    keys = iamkeys.KeyCalls(AwsClients(source, environ)).list_keys(None)
    for key in keys:
        if key.access_key_id == source.access_key_id and key.created is not None:
            return KeyAge(key.access_key_id, key.created.astimezone(timeutil.UTC), key.status)
    raise AwsmfaError(f"AWS lists no key {source.access_key_id} for the user of [{name}] "
                      f"in {files.show(files.credentials_path)}")
