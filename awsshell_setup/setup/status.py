"""`awsmfa status`: where things stand, and an exit status scripts can use.

In place (exit 0) means: for every shell looked at, each file install writes holds the block
(or owned file) this awsmfa would write now, no stale block is left elsewhere, the completer
those files name answers (for a bare name, the one the block's lookup at Tab time finds now),
and a new login shell of the account finds awsmfa on its PATH for `mfa` to call (when that
shell cannot be asked, the PATH here decides). The session is reported but does not count: an
expired session is normal, not a broken setup.
"""
import dataclasses
import os

from . import completer as completers
from . import install, loginshell, scope
from ..core import paths, rootpolicy, timeutil
from ..shells import rcblock
from ..sessions import envoutput
from .. import shells
from ..core.errors import AwsmfaError, UsageError
from ..sessions.rules import DEFAULT_SOURCE, StoredSession, ambient_profile


@dataclasses.dataclass
class Report:
    lines: list
    ok: bool

    @property
    def text(self):
        return "".join(line + "\n" for line in self.lines)


def _check_target(shell, target, environ):
    """(line, ok, completer named) for one file."""
    where = paths.display(target.path, environ)
    try:
        text = rcblock.read_rc(target.path)
    except AwsmfaError as error:
        return f"  {where}: {error}", False, None
    body = rcblock.installed_body(target, text) if text is not None else None
    if not target.sections:
        if body is not None and not target.owned:
            return f"  {where}: stale awsmfa block (`awsmfa install` removes it)", False, None
        if body is not None:
            return f"  {where}: stale (`awsmfa install` removes it)", False, None
        return "", True, None
    if body is None:
        if text is not None and target.owned:
            return f"  {where}: not ours (no '{rcblock.OWNED_MARK}' line)", False, None
        return f"  {where}: missing ({target.why})", False, None
    named = rcblock.completer_named(target, body)  # as install reads it back
    sections = target.sections if named else tuple(name for name in target.sections if name != "completion")
    try:
        expected = shell.render(sections, named, wrap=target.wrap)
    except ValueError:  # a name no block of ours could hold (a CRLF file's `\r`): not current
        return f"  {where}: differs from what this awsmfa writes (`awsmfa install` updates it)", False, None
    completion = "" if "completion" not in target.sections else (
        ", with aws completion" if named else ", without aws completion")
    if body == expected and sections == target.sections:
        return f"  {where}: current{completion} ({target.why})", True, named
    if body == expected:
        return f"  {where}: current{completion} ({target.why}); `awsmfa install` adds completion", False, named
    return f"  {where}: differs from what this awsmfa writes (`awsmfa install` updates it)", False, named


def _installed_anywhere(shell, acct):
    for target in shell.targets(acct.home, acct.environ):
        rootpolicy.check_not_anothers(target.path)
        try:
            text = rcblock.read_rc(target.path)
        except AwsmfaError:
            continue
        if text is not None and rcblock.installed_body(target, text) is not None:
            return True
    return False


def status(shell_names=(), environ=None, rc_file=None, profile=None, account=None, for_account=False, keys=False):
    """The Report. for_account: root looks at another account (--user): without --shell, its
    login shell is looked at too, set up or not: its new terminals start that shell, so `mfa`
    missing there is not all in place. keys: `--keys`, the source's access key age (one IAM call)."""
    install.check_rc_file_option(rc_file)
    acct = scope.working_account(environ, account)
    env = acct.environ
    lines, ok = [], True
    rc_path = install.rc_file_path(rc_file) if rc_file else None
    login = shells.supported_name(acct.login_shell) if for_account and not rc_path else None
    if rc_path:
        rootpolicy.check_not_anothers(rc_path)
    if shell_names:
        chosen = scope.named_shells(shell_names)
    elif rc_path:
        chosen = [shell_of_block(rc_path)]
    else:
        chosen = [shell for shell in scope.named_shells(["all"])
                  if shell.name == login or _installed_anywhere(shell, acct)]
    if rc_file and len(chosen) != 1:
        raise UsageError("--rc-file takes one shell: name it with --shell bash|zsh|fish")
    targets = {shell.name: [shell.rc_file_target(rc_path)] if rc_path else shell.targets(acct.home, env)
               for shell in chosen}
    for each in targets.values():
        for target in each:
            rootpolicy.check_not_anothers(target.path)
    if not chosen:
        lines.append("shells: awsmfa is not set up for bash, zsh or fish here (run `awsmfa install`)")
        ok = False
    named = []
    for shell in chosen:
        lines.append(f"{shell.name} ({acct.name}'s login shell):" if shell.name == login else f"{shell.name}:")
        if shell.name == login and not shell_names and not _installed_anywhere(shell, acct):
            lines.append(f"  not set up: its new terminals have no mfa (`awsmfa install --user {acct.name}` "
                         f"sets it up)")
            ok = False
            continue
        for target in targets[shell.name]:
            line, good, completer_path = _check_target(shell, target, env)
            if line:
                lines.append(line)
            ok = ok and good
            if completer_path and completer_path not in named:
                named.append(completer_path)
    for path in named:
        found = completers.given(path, env, acct.home)
        # A bare name is looked up at each Tab: say where, and what it finds now.
        shown = path if os.sep in path else f"{path}, {found.how}"
        lines.append(f"completer: {shown}: " + ("answers" if found.answers else f"does not answer ({found.problem})"))
        ok = ok and found.answers
    if chosen and not named:
        found, _ = completers.find(env, acct.home)
        lines.append(f"completer: none written; {'found ' + found.path + ' (run `awsmfa install`)' if found else 'none found'}")
    path_lines, good = _awsmfa_lines(acct, chosen, for_account)
    lines += path_lines
    ok = ok and good
    session_lines, good = _session_lines(env, profile, keys)
    lines += session_lines
    ok = ok and good
    lines.append("all in place" if ok else "not all in place")
    return Report(lines, ok)


def shell_of_block(path):
    """The shell an awsmfa block in `path` was written for, from its `awsmfa env --shell NAME`
    line (status --rc-file without --shell)."""
    import re

    text = rcblock.read_rc(path) or ""
    found = {name for block in rcblock.find_blocks(text, path)
             for name in re.findall(r"\bawsmfa env --shell (bash|zsh|fish)\b", block.body)}
    if len(found) == 1:
        return shells.by_name(found.pop())
    shown = paths.printable(path)
    why = "holds no awsmfa block that names its shell" if not found else "holds blocks for " + " and ".join(sorted(found))
    raise UsageError(f"--rc-file {shown} {why}: name it with --shell bash|zsh|fish")


def _awsmfa_lines(acct, chosen, for_account):
    """(lines, ok) for whether `mfa` will find awsmfa: asked of the account's new shells, its
    login shell as a login starts it and each shell looked at as this session starts it
    (loginshell.new_shells); one line for a shell that misses it both ways; when one cannot be
    asked, the PATH here decides for it."""
    answers = loginshell.new_shells(acct.home, acct.environ, acct.uid, acct.login_shell,
                                    [shell.name for shell in chosen])
    missed = {}
    for answer in answers:
        if answer.answered and not answer.awsmfa:
            missed.setdefault(answer.shell, []).append(answer)
    lines, ok, said = [], True, set()
    for answer in answers:
        if answer.answered and answer.awsmfa:
            lines.append(f"awsmfa on PATH: {paths.printable(answer.awsmfa)} (for {answer.which})")
        elif answer.answered and answer.shell not in said:
            these = missed[answer.shell]
            said.add(answer.shell)
            which = f"a new {answer.shell}, login shell or not" if len(these) > 1 else answer.which
            advice = paths.printable(loginshell.fix(these, answers, acct.home, acct.environ, for_account), line=True)
            lines.append(f"awsmfa on PATH: no, not for {which}, and `mfa` calls it by name ({advice})")
            ok = False
        elif not answer.answered:
            here = loginshell.awsmfa_on_path(acct.environ)
            lines.append(f"awsmfa on PATH: {paths.printable(here or 'no')} here; could not tell for {answer.which} "
                         f"({paths.printable(answer.problem)})")
            ok = ok and bool(here)
    return lines, ok


def _session_lines(environ, profile, keys=False):
    """(lines, whether `mfa` can work with these files): a credentials or config file awsmfa
    cannot read makes it False; no session yet, an expired one, or no profile yet does not.

    The request is resolved as `env` resolves it (resolve.plan) and each stored session is
    judged by the rule `env` serves it by (rules.StoredSession), so "valid" here is what
    the next `mfa` would reuse (docs/ARCHITECTURE.md §3, §7). keys: `status --keys`, the source's
    access key age (one IAM call; never on a plain status, which stays free of botocore)."""
    from ..sessions import resolve
    from ..core.errors import FileProblem
    from ..sessions.profiles import AwsFiles
    from ..sessions.mfasession import Request

    try:
        files = AwsFiles(environ)
        the_plan = resolve.plan(files, Request(profile=profile))
    except FileProblem as error:
        return [f"session: cannot tell: {error.message}" + (f" ({error.hint})" if error.hint else "")], False
    except AwsmfaError as error:
        return [f"session: cannot tell: {error.message}" + (f" ({error.hint})" if error.hint else "")], True
    where = paths.display(files.credentials_path, environ)
    source = the_plan.source
    if files.credentials.section(source) is None and files.config_section(source) is None:
        # `mfa` would refuse it: say what to do first, not "run mfa".
        named = "" if source == DEFAULT_SOURCE else f" --profile {source}"
        return [f"session: no profile [{source}] in {where} or {paths.display(files.config_path, environ)} yet "
                f"(run `aws configure{named}`, then `mfa{named}`)"], True
    if the_plan.is_role:
        lines = _role_lines(files, the_plan, where)
    else:
        lines = _plain_lines(files, the_plan, where)
    lines += _other_role_sessions(files, the_plan.session_name, where)
    lines += _this_shell(files, environ)
    if keys:
        lines.append(_key_line(files, the_plan, environ))
    return lines, True


def _left(stored):
    """'until T (S left)', with what the next `mfa` does when it is inside its reuse margin."""
    left, until = envoutput.time_left(stored.credentials)
    renews = "" if stored.reusable() else "; the next `mfa` renews it"
    return f"until {until} ({timeutil.describe_span(left)} left{renews})"


def _plain_lines(files, the_plan, where):
    name, source = the_plan.session_name, the_plan.source
    stored = StoredSession.read(files, name, source)
    if stored is None:
        return [f"session: none in [{name}] of {where} for source [{source}] (run `mfa` or `awsmfa login`)"]
    if not stored.alive():
        _, until = envoutput.time_left(stored.credentials)
        return [f"session: [{name}] of {where} expired at {until} (run `mfa` or `awsmfa login`)"]
    return [f"session: [{name}] of {where}, from [{source}], {_left(stored)}"]


def _role_lines(files, the_plan, where):
    """The role session `env --profile ROLE` would use, the MFA session that renews it, and the
    config profile whose credential_process does the renewing (docs/ARCHITECTURE.md §7)."""
    from ..sessions import assumerole
    from ..sessions.profiles import ROLE_ARN_KEY, SOURCE_KEY

    chain, name = the_plan.chain, the_plan.session_name
    role = f"role [{chain.profile}] ({chain.role_arn})"
    again = f"`mfa --profile {chain.profile}` or `awsmfa login --profile {chain.profile}`"
    stored = assumerole.stored_role_session(files, the_plan)  # the one `env` would serve: this plan's
    section = files.credentials.section(name) or {}
    if stored is not None and stored.alive():
        lines = [f"role session: [{name}] of {where}, {role}, {_left(stored)}"]
    elif stored is not None:
        _, until = envoutput.time_left(stored.credentials)
        lines = [f"role session: [{name}] of {where}, {role}, expired at {until}"]
    elif section.get(SOURCE_KEY) == chain.profile and section.get(ROLE_ARN_KEY):
        # Ours, for this role profile as it was: `env` makes a new one rather than serve it.
        lines = [f"role session: [{name}] of {where} was made before [{chain.profile}] was last edited "
                 f"({paths.printable(section[ROLE_ARN_KEY])}); the next {again} makes a new one"]
    else:
        lines = [f"role session: none in [{name}] of {where} for {role} (run {again})"]
    if the_plan.shared:
        mfa = StoredSession.read(files, the_plan.mfa_name, the_plan.source)
        if mfa is not None and mfa.reusable():  # assumerole's rule for renewing without a code
            lines.append(f"  renewed without a code from [{the_plan.mfa_name}] {_left(mfa)}")
        else:
            lines.append(f"  no valid MFA session in [{the_plan.mfa_name}] for [{the_plan.source}]: "
                         "the next renewal asks for a code")
    else:
        lines.append("  per-role: each new role session asks for a code")
    renewing = the_plan.renewing_name
    config = paths.display(files.config_path, files.environ)
    if files.session_source(renewing) == chain.profile:
        lines.append(f"  [{renewing}] in {config} renews it (credential_process)")
    else:
        lines.append(f"  no [{renewing}] in {config} yet (`mfa --profile {chain.profile}` writes it)")
    return lines


def _other_role_sessions(files, shown, where):
    """Every other role session in the credentials file, with its time left."""
    from ..sessions.profiles import ROLE_ARN_KEY, SOURCE_KEY

    lines = []
    for name, section in files.credentials.values.items():
        if name == shown or not section.get(ROLE_ARN_KEY) or not section.get(SOURCE_KEY):
            continue
        found = files.cached_session(name, section[SOURCE_KEY], role_arn=section[ROLE_ARN_KEY])
        if found is not None:  # names and values as the file has them: escaped (paths.printable)
            shown = [paths.printable(text, line=True) for text in (name, section[SOURCE_KEY], section[ROLE_ARN_KEY])]
            lines.append(_session_line("role session", shown[0], where, f"role [{shown[1]}] ({shown[2]})", found[0]))
    return lines


def _session_line(label, name, where, origin, credentials):
    left, until = envoutput.time_left(credentials)
    if left > 0:
        return f"{label}: [{name}] of {where}, {origin}, until {until} ({timeutil.describe_span(left)} left)"
    return f"{label}: [{name}] of {where}, {origin}, expired at {until}"


def _this_shell(files, environ):
    """What the AWS CLI v1 and boto3 started in this shell sign with, read as botocore reads it:
    exported keys first (its environment provider comes before any profile a variable names),
    else the profile of AWS_DEFAULT_PROFILE, then AWS_PROFILE (rules.ambient_profile).
    Empty when this shell names nothing."""
    profile, variable = ambient_profile(environ)
    key_id = (environ.get("AWS_ACCESS_KEY_ID") or "").strip()
    exported = bool(key_id and (environ.get("AWS_SECRET_ACCESS_KEY") or "").strip())
    expiry = environ.get("AWS_CREDENTIAL_EXPIRATION")
    named = f"{variable}={paths.printable(profile)}" if profile else ""
    if exported and environ.get("AWS_SESSION_TOKEN"):
        return [f"this shell: {named + ' with ' if named else ''}a session token exported"
                + (f", expiring {paths.printable(expiry)}" if expiry else "")
                + "; the AWS CLI and boto3 use the exported keys before any profile"]
    if exported:
        return [f"this shell: long-term keys exported ({_key_shown(key_id)}): the AWS CLI and boto3 use them, "
                "without MFA, before any profile (`mfa` replaces them)"]
    if not profile:
        return []
    other = (environ.get("AWS_PROFILE") or "").strip()
    shown = paths.printable(profile)
    if variable == "AWS_DEFAULT_PROFILE" and other and other != profile:
        # The CLI v2 reads AWS_PROFILE only: the two would sign as different identities.
        named = (f"AWS_DEFAULT_PROFILE={shown} wins over AWS_PROFILE={paths.printable(other)} for the "
                 "AWS CLI v1 and boto3 (`unset AWS_DEFAULT_PROFILE`; `mfa` removes it)")
    source = files.session_source(profile)
    if source is not None and files.credentials.section(profile) is None:
        return [f"this shell: {named}, renewed by awsmfa for [{paths.printable(source)}]"
                + (f"; a code is next due at {paths.printable(expiry)}" if expiry else "")]
    if source is not None:
        return [f"this shell: {named}: awsmfa's session from [{paths.printable(source)}]"]
    holds_keys = any((section or {}).get("aws_access_key_id") for section in
                     (files.credentials.section(profile), files.config_section(profile)))
    return [f"this shell: {named}: profile [{shown}] itself"
            + (", its long-term keys without MFA (`mfa` exports a session)" if holds_keys else "")]


def _key_shown(key_id):
    """An access key id as status shows it: its kind (AKIA, ASIA) and last four characters."""
    return paths.printable(f"{key_id[:4]}…{key_id[-4:]}" if len(key_id) > 8 else key_id)


# AWS advises rotating access keys at least every 90 days (Security Hub control IAM.3).
KEY_AGE_ADVICE_DAYS = 90


def _key_line(files, the_plan, environ):
    """`status --keys`: the age of the source profile's access key, with one IAM call signed by
    that key. A key from a secret store (credential_process) is read through the store, only
    here. A failure is one line: it does not change the exit status, which says whether the
    shells are set up (the network and IAM's policy are not part of that)."""
    from ..sessions import keyprocess

    name = the_plan.source
    from_store = keyprocess.process_of(files, name) is not None and not (
        files.credentials.section(name) or {}).get("aws_access_key_id")
    try:
        source = keyprocess.source_profile(files, name, environ) if from_store else files.source_profile(name)
        age = _key_age(source, environ)
    except AwsmfaError as error:
        return f"access key of [{paths.printable(name)}]: cannot tell: {paths.printable(error.message, line=True)}" \
               + (f" ({paths.printable(error.hint, line=True)})" if error.hint else "")
    return describe_key_age(name, age, from_store)


def _key_age(source, environ):
    """rotate.KeyAge of `source`'s key (a profiles.SourceProfile): ListAccessKeys for the caller."""
    from ..sessions import iamkeys, rotate
    from ..sessions.sts import AwsClients

    for key in iamkeys.KeyCalls(AwsClients(source, environ)).list_keys(None):
        if key.access_key_id == source.access_key_id and key.created is not None:
            return rotate.KeyAge(key.access_key_id, key.created.astimezone(timeutil.UTC), key.status)
    raise AwsmfaError(f"AWS lists no key {_key_shown(source.access_key_id)} for the user of [{source.name}]")


def describe_key_age(name, age, from_store, moment=None):
    """The line for a key of `age` (rotate.KeyAge) in profile `name`."""
    days = int(age.seconds(moment) // 86400)
    when = "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} ago"
    line = f"access key {_key_shown(age.access_key_id)} of [{paths.printable(name)}]"
    line += " (from its secret store)" if from_store else ""
    line += f": created {when}"
    if age.status and age.status != "Active":
        line += f", {paths.printable(age.status)}"
    if days >= KEY_AGE_ADVICE_DAYS:
        line += ("; make a new one (`aws iam create-access-key`) and put it in your secret store" if from_store
                 else "; `awsmfa rotate` replaces it")
    return line
