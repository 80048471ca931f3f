"""`env` and `login` for a role profile: the role session reused, or made from the MFA session.

mfasession.py hands a role profile here. The order is mfasession.py's: everything that can be
checked locally (the chain, the names, the targets, the files) before the prompt, the prompt
before any call, so a refusal costs neither a code nor a write. Then, in `shared` mode
(roleprofiles.ROLE_MFA_SHARED), the source's MFA session (the very `[mfa]`/`[SOURCE-mfa]` plain `env`
uses) is reused, or made with the one code, and each role of the chain is assumed with it;
in `per-role` mode the first role is assumed with the long-term keys and the code.

`cached` is on the fast path of `awsmfa env`: no botocore, no re, no json here.
"""
from ..core import fileio, timeutil
from . import roleprofiles, rolestore, rules, sourcekeys
from ..core.debug import log
from ..core.errors import AwsmfaError, FileProblem, NoTerminal, ProfileProblem
from ..core.inifile import check_section_name
from ..core.paths import printable
from .profiles import AwsFiles


class RoleSource:
    """What profiles.write_session needs of a session's source, for a role session: the role
    profile's name (awsmfa_source_profile) and its region (botocore reads region per profile)."""

    def __init__(self, name, region):
        self.name, self.region = name, region


def stored_role_session(files, plan):
    """The role session stored for this plan (rules.StoredSession), or None: one made
    for another role or another plan (an edited profile) is not this plan's."""
    return rules.StoredSession.read(files, plan.session_name, plan.profile, role_arn=plan.chain.role_arn,
                                    made_from=plan.made_from())


def cached(files, request, plan, with_renewing_profile):
    """The stored role session when it may be reused, else None; no network call.

    with_renewing_profile: the caller prints shell code that names the self-renewing config
    profile, so that profile must already be there as awsmfa would write it (else the full
    path writes it)."""
    if request.force:
        return None
    stored = stored_role_session(files, plan)
    if stored is None:
        log("no reusable role session in [%s] for [%s] as it is now", plan.session_name, plan.profile)
        return None
    if not stored.servable(request):
        log("role session in [%s] has %d s left, under the reuse margin: renewing", stored.name, stored.seconds_left())
        return None
    outcome = _outcome(files, plan, stored.credentials, True, stored.duration)
    outcome.last_resort = request.last_resort
    if with_renewing_profile and not rolestore.renewing_profile_current(
            files, outcome.renewing_profile, _renewing_items(files, request, plan)):
        log("profile [%s] is missing or not current in the config file", outcome.renewing_profile)
        return None
    log("reusing role session in [%s]: %s left", stored.name, timeutil.describe_span(stored.seconds_left()))
    return outcome


def obtain(request, environ, files, plan, ask_code, keep_unstored=False):
    """A valid role session: the stored one, or a new one (see the module's docstring).

    keep_unstored: as for mfasession.obtain (`env`): a new session that cannot be stored is served
    all the same, with `unstored` saying why (and, for a role, as keys: the self-renewing
    profile would find no stored session to renew from).

    When the config file cannot take the self-renewing profile (a read-only dotfile, say), the
    role session is still served: `renewing_problem` says why, and shell code then exports the
    role session's keys, which last until the role session ends (`mfa` renews them, no code)."""
    write_renewing, problem = request.renewing_profile, None
    if write_renewing:
        try:
            # A config file made read-only (a dotfile manager's chmod a-w) is left as it is.
            fileio.check_writable(files.config_path, refuse_read_only=True)
        except FileProblem as error:
            problem = error.message
    outcome = cached(files, request, plan, with_renewing_profile=False)
    if outcome is None:
        ordinary = rules.without_sdk_margin(request)
        fallback = cached(files, ordinary, plan, with_renewing_profile=False) if ordinary else None
        try:
            outcome = _fresh(request, environ, files, plan, ask_code, write_renewing and not problem, keep_unstored)
        except NoTerminal:
            if fallback is None:
                raise
            # The MFA session is over and a new one needs a code: the role session still works.
            log("no terminal to ask for a code: serving the stored role session early renewal passed over")
            outcome = fallback
        if outcome.unstored:
            write_renewing, outcome.renewing_profile = False, None
    elif write_renewing:
        rolestore.check_renewing_target(files, outcome.renewing_profile, plan.profile)
    if write_renewing and not problem:
        try:
            written = rolestore.write_renewing_profile(environ, outcome.renewing_profile,
                                                       _renewing_items(files, request, plan), plan.profile)
            log("profile [%s] in the config file: %s", outcome.renewing_profile, "written" if written else "current")
        except FileProblem as error:
            problem = error.message
    if problem:
        log("the self-renewing profile cannot be written: %s", problem)
        outcome.renewing_problem = f"cannot write [profile {outcome.renewing_profile}] ({problem})"
        outcome.renewing_profile = None
    return outcome


def _renewing_items(files, request, plan):
    command = rolestore.process_command(plan.profile, request.update_profile, request.role_mfa)
    return rolestore.process_items(plan.profile, command, plan.chain.region,
                                   rolestore.carried_settings(files, plan.profile))


def _fresh(request, environ, files, plan, ask_code, write_renewing, keep_unstored):
    chain, mode, mfa_name = plan.chain, plan.mode, plan.mfa_name
    session_name = check_section_name(plan.session_name, "session profile")
    files.check_session_target(session_name, chain.profile)
    if write_renewing:
        _renewing_items(files, request, plan)  # refuses names a credential_process line would have to quote
        rolestore.check_renewing_target(files, plan.renewing_name, chain.profile)
    # Keys, or a secret store's source fetched only below, once a code is about to be spent
    # (never when the MFA session is reused: sourcekeys.keys_ready).
    source = sourcekeys.long_term_keys(files, chain.source, environ)
    if plan.shared:
        if mfa_name == session_name:
            raise ProfileProblem(f"the role session of [{chain.profile}] and the MFA session of [{chain.source}] "
                                 f"would both be [{session_name}]", hint="pick another --update-profile")
        files.check_session_target(mfa_name, chain.source)
    # A code spent on a session that cannot be stored is a code wasted: check before asking.
    fileio.check_writable(files.credentials_path)
    durations = roleprofiles.role_durations(chain, mode)
    log("role [%s]: assume %s from [%s] (%s mode, %s s)", chain.profile,
        " then ".join(hop.role_arn for hop in chain.hops), chain.source, mode, durations[-1])

    from .sts import AwsClients  # botocore: only now that a call is certain

    aws = AwsClients(source, environ, region=chain.region,
                     region_profile=chain.hops[-1].profile if chain.hops[-1].region else chain.source,
                     role_profile=plan.profile)
    shared = plan.shared
    mfa_session = _reusable_mfa_session(files, plan) if shared else None
    step = _Step(request, environ, files, plan, aws, durations, keep_unstored)
    if mfa_session is not None:
        log("reusing MFA session [%s] of [%s]: no code", mfa_name, chain.source)
        return step.assume_and_store(mfa_session, {})
    from . import codesource

    # Where the code will come from, checked now: the nearest mfa_process down the chain, as
    # for mfa_serial (aws-vault lets a role inherit its source's).
    codes = codesource.choose(request, environ, codesource.mfa_process(
        files, [hop.profile for hop in reversed(chain.hops)] + [chain.source]))
    # A code is needed: one awsmfa at a time asks (rules.prompt_turn), and the calls and
    # writes it makes with the code happen in that turn too, so a caller that waited finds
    # what the one before it stored instead of asking again.
    with rules.prompt_turn(files, environ):
        fresh = AwsFiles(environ)
        if not request.force:
            again = cached(fresh, request, plan, with_renewing_profile=False)
            if again is not None:
                log("another awsmfa stored a role session in [%s] while this one waited", again.session_profile)
                return again
        mfa_session = _reusable_mfa_session(fresh, plan) if shared else None
        if mfa_session is not None:
            log("another awsmfa stored the MFA session [%s] while this one waited", mfa_name)
            return step.assume_and_store(mfa_session, {})
        sourcekeys.keys_ready(source, None if ask_code else codes)  # a secret store runs here, if any
        # The device (IAM's list needs the keys; a pick among several is a question, asked in this turn).
        serial, serial_how = rules.mfa_device(request, source, aws, chain, environ)
        log("MFA device %s (%s)", printable(serial, line=True), printable(serial_how, line=True))
        aws.device = (serial, serial_how)  # for the message if AWS does not know it as the user's
        code = codes.code(serial, ask_code)  # the flag's, a command's, or typed at the prompt
        if shared:
            signer = aws.get_session_token(serial, code, request.duration_seconds)
            stored = step.store(mfa_name, signer, source, request.duration_seconds)
            log("new MFA session [%s] of [%s]", mfa_name, chain.source)
            try:
                outcome = step.assume_and_store(rules.StoredSession(mfa_name, signer,
                                                                    request.duration_seconds), {})
            except AwsmfaError as error:
                if stored and error.done:  # something did change: the MFA session is stored, and kept
                    error.done = (f"awsmfa stored the new MFA session in [{mfa_name}], so the next try "
                                  "asks for no code")
                raise
        else:
            outcome = step.assume_and_store(None, {"serial": serial, "code": code})
    outcome.serial, outcome.serial_how = serial, serial_how
    return outcome


class _Step:
    """The calls and writes of one new role session, once its signer (or code) is known."""

    def __init__(self, request, environ, files, plan, aws, durations, keep_unstored):
        self.request, self.environ, self.files = request, environ, files
        self.plan, self.aws, self.durations = plan, aws, durations
        self.keep_unstored, self.unstored = keep_unstored, None

    def store(self, name, credentials, source, duration, extra=None):
        """write_session; a failure after a code was spent is an error for `login`, and for
        `env` (keep_unstored) a reason to serve the session unstored."""
        from .profiles import write_session

        try:
            return write_session(self.environ, name, credentials, source, duration, extra=extra)
        except AwsmfaError as error:
            if not self.keep_unstored:
                raise FileProblem(f"AWS issued a session but awsmfa could not store it: {error}; "
                                  "if an MFA code was typed it is spent, so fix this and use the next code")
            log("session [%s] not stored: %s", name, error)
            self.unstored = str(error)
            return None

    def assume_and_store(self, mfa_session, first_hop_mfa):
        """mfa_session: the StoredSession (MFA session) the first hop is signed with; None when
        the first hop takes the code itself (first_hop_mfa: serial and code)."""
        plan = self.plan
        chain = plan.chain
        credentials = mfa_session.credentials if mfa_session else None
        signed_by = (plan.mfa_name, chain.source) if mfa_session else None
        for index, (hop, duration) in enumerate(zip(chain.hops, self.durations)):
            credentials = self.aws.assume_role(hop, duration, credentials, mode=plan.mode,
                                               signed_by=signed_by if index == 0 else None,
                                               **(first_hop_mfa if index == 0 else {}))
        items = rolestore.role_session_items(chain.role_arn, plan.mode, plan.mfa_name if plan.shared else None,
                                             plan.made_from())
        path = self.store(plan.session_name, credentials, RoleSource(chain.profile, chain.region),
                          self.durations[-1], extra=items)
        files = self.files
        outcome = _outcome(files, plan, credentials, False, self.durations[-1], mfa_session=mfa_session)
        outcome.credentials_path = path or files.credentials_path
        outcome.unstored = self.unstored
        return outcome


def _reusable_mfa_session(files, plan):
    """The source's MFA session (a StoredSession) when it may be reused (mfasession.cached's
    rule), else None. Read directly: the source may be the role itself (a role holding its own
    keys)."""
    stored = rules.StoredSession.read(files, plan.mfa_name, plan.source)
    return stored if stored is not None and stored.reusable() else None


def _outcome(files, plan, credentials, reused, duration, mfa_session=None):
    """An Outcome for a role session (`duration` seconds long), with what the shell code and
    the summary need. mfa_session: the StoredSession of the MFA session it was made from;
    None to look for the stored one."""
    if plan.shared and mfa_session is None:
        found = rules.StoredSession.read(files, plan.mfa_name, plan.source)
        if found is not None and found.alive():
            mfa_session = found
    outcome = rules.Outcome(credentials, plan.profile, plan.session_name, reused, files.credentials_path,
                            plan.how, duration=duration)
    outcome.role_arn = plan.chain.role_arn
    outcome.renewing_profile = plan.renewing_name
    outcome.mfa_profile = plan.mfa_name if plan.shared else None
    # When this shell next needs a code: the role session is renewed without one while the
    # MFA session lives (shared mode), so then the MFA session's end and reuse margin count;
    # per-role, a new role session needs a new code.
    outcome.mfa_expiration = mfa_session.credentials.expiration if mfa_session else None
    if mfa_session and mfa_session.credentials.expiration > credentials.expiration:
        outcome.code_due = mfa_session.credentials.expiration
        outcome.code_due_margin = rules.reuse_margin(mfa_session.duration)
    return outcome
