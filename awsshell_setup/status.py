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
from . import detect, install, loginshell, paths, rcfile, render, rootpolicy, shells, timeutil
from .errors import AwsmfaError, UsageError


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
        text = rcfile.read_rc(target.path)
    except AwsmfaError as error:
        return f"  {where}: {error}", False, None
    body = install.installed_body(target, text) if text is not None else None
    if not target.sections:
        if body is not None and not target.owned:
            return f"  {where}: stale awsmfa block (`awsmfa install` removes it)", False, None
        if body is not None:
            return f"  {where}: stale (`awsmfa install` removes it)", False, None
        return "", True, None
    if body is None:
        if text is not None and target.owned:
            return f"  {where}: not ours (no '{rcfile.OWNED_MARK}' line)", False, None
        return f"  {where}: missing ({target.why})", False, None
    named = install.completer_named(target, body)  # as install reads it back
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
            text = rcfile.read_rc(target.path)
        except AwsmfaError:
            continue
        if text is not None and install.installed_body(target, text) is not None:
            return True
    return False


def status(shell_names=(), environ=None, rc_file=None, profile=None, account=None, for_account=False):
    """The Report. for_account: root looks at another account (--user): without --shell, its
    login shell is looked at too, set up or not: its new terminals start that shell, so `mfa`
    missing there is not all in place."""
    install.check_rc_file_option(rc_file)
    acct = detect.working_account(environ, account)
    env = acct.environ
    lines, ok = [], True
    rc_path = install.rc_file_path(rc_file) if rc_file else None
    login = shells.supported_name(acct.login_shell) if for_account and not rc_path else None
    if rc_path:
        rootpolicy.check_not_anothers(rc_path)
    if shell_names:
        chosen = detect.named_shells(shell_names)
    elif rc_path:
        chosen = [shell_of_block(rc_path)]
    else:
        chosen = [shell for shell in detect.named_shells(["all"])
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
    session_lines, good = _session_lines(env, profile)
    lines += session_lines
    ok = ok and good
    lines.append("all in place" if ok else "not all in place")
    return Report(lines, ok)


def shell_of_block(path):
    """The shell an awsmfa block in `path` was written for, from its `awsmfa env --shell NAME`
    line (status --rc-file without --shell)."""
    import re

    text = rcfile.read_rc(path) or ""
    found = {name for block in rcfile.find_blocks(text, path)
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


def _session_lines(environ, profile):
    """(lines, whether `mfa` can work with these files): a credentials or config file awsmfa
    cannot read makes it False; no session yet, an expired one, or no profile yet does not."""
    from . import roles, session
    from .errors import FileProblem

    try:
        files = session.AwsFiles(environ)
        source, _ = session.choose_source(files, profile)
        chain = roles.role_chain(files, source)
        name = session.session_name_for(files, session.Request(profile=profile), source)  # as `env` picks it
        found = files.cached_session(name, source, role_arn=chain.role_arn if chain else None)
    except FileProblem as error:
        return [f"session: cannot tell: {error.message}" + (f" ({error.hint})" if error.hint else "")], False
    except AwsmfaError as error:
        return [f"session: cannot tell: {error.message}" + (f" ({error.hint})" if error.hint else "")], True
    where = paths.display(files.credentials_path, environ)
    if files.credentials.section(source) is None and files.config_section(source) is None:
        # `mfa` would refuse it: say what to do first, not "run mfa".
        named = "" if source == session.DEFAULT_SOURCE else f" --profile {source}"
        return [f"session: no profile [{source}] in {where} or {paths.display(files.config_path, environ)} yet "
                f"(run `aws configure{named}`, then `mfa{named}`)"], True
    if chain is not None:
        lines = _role_lines(files, chain, name, found, where)
    elif found is None:
        lines = [f"session: none in [{name}] of {where} for source [{source}] (run `mfa` or `awsmfa login`)"]
    else:
        left, until = render.time_left(found[0])
        lines = [f"session: [{name}] of {where}, from [{source}], until {until} ({timeutil.describe_span(left)} left)"
                 if left > 0 else f"session: [{name}] of {where} expired at {until} (run `mfa` or `awsmfa login`)"]
    lines += _other_role_sessions(files, name, where)
    ambient = environ.get("AWS_PROFILE", "")
    if ambient and not environ.get("AWS_SESSION_TOKEN") and files.credentials.section(ambient) is None \
            and files.session_source(ambient):
        lines.append(f"this shell: AWS_PROFILE={ambient}, renewed by awsmfa for [{files.session_source(ambient)}]"
                     + (f"; a code is next due at {environ['AWS_CREDENTIAL_EXPIRATION']}"
                        if environ.get("AWS_CREDENTIAL_EXPIRATION") else ""))
    if environ.get("AWS_SESSION_TOKEN"):
        lines.append(f"this shell: AWS_PROFILE={environ.get('AWS_PROFILE', '')} with a session token exported"
                     + (f", expiring {environ['AWS_CREDENTIAL_EXPIRATION']}" if environ.get("AWS_CREDENTIAL_EXPIRATION")
                        else ""))
    return lines, True


def _session_line(label, name, where, origin, credentials):
    left, until = render.time_left(credentials)
    if left > 0:
        return f"{label}: [{name}] of {where}, {origin}, until {until} ({timeutil.describe_span(left)} left)"
    return f"{label}: [{name}] of {where}, {origin}, expired at {until}"


def _role_lines(files, chain, name, found, where):
    """The role session `env --profile ROLE` would use, the MFA session that renews it, and the
    config profile whose credential_process does the renewing (docs/ARCHITECTURE.md, roles)."""
    from . import roles, rolesessions, session

    role = f"role [{chain.profile}] ({chain.role_arn})"
    if found is None:
        lines = [f"role session: none in [{name}] of {where} for {role} "
                 f"(run `mfa --profile {chain.profile}` or `awsmfa login --profile {chain.profile}`)"]
    else:
        lines = [_session_line("role session", name, where, role, found[0])]
    if roles.role_mfa_mode(None, chain) == roles.ROLE_MFA_SHARED:
        mfa_name = session.session_profile_for(chain.source)
        mfa = files.cached_session(mfa_name, chain.source)
        if mfa is not None and render.time_left(mfa[0])[0] > 0:
            left, until = render.time_left(mfa[0])
            lines.append(f"  renewed without a code from [{mfa_name}] until {until} ({timeutil.describe_span(left)} left)")
        else:
            lines.append(f"  no valid MFA session in [{mfa_name}] for [{chain.source}]: the next renewal asks for a code")
    else:
        lines.append("  per-role: each new role session asks for a code")
    renewing = rolesessions.renewing_profile_for(name)
    if files.session_source(renewing) == chain.profile:
        lines.append(f"  [{renewing}] in {paths.display(files.config_path, files.environ)} renews it (credential_process)")
    else:
        lines.append(f"  no [{renewing}] in {paths.display(files.config_path, files.environ)} yet "
                     f"(`mfa --profile {chain.profile}` writes it)")
    return lines


def _other_role_sessions(files, shown, where):
    """Every other role session in the credentials file, with its time left."""
    from .profiles import ROLE_ARN_KEY, SOURCE_KEY

    lines = []
    for name, section in files.credentials.values.items():
        if name == shown or not section.get(ROLE_ARN_KEY) or not section.get(SOURCE_KEY):
            continue
        found = files.cached_session(name, section[SOURCE_KEY], role_arn=section[ROLE_ARN_KEY])
        if found is not None:
            lines.append(_session_line("role session", name, where,
                                       f"role [{section[SOURCE_KEY]}] ({section[ROLE_ARN_KEY]})", found[0]))
    return lines
