"""install, uninstall and init: the marker blocks and owned files, planned, shown, then written.

Every change is planned first, from the files as they are: an unreadable file, a block without
its end marker, a fish file someone else wrote: all are refused before anything is written.
Each write then re-reads its file under the lock and applies the same pure transformation, so
a parallel edit is not lost. The format of blocks and owned files is rcblock.py's.
"""
import contextlib
import dataclasses
import difflib
import os

from . import completer as completers
from . import loginshell, scope
from ..core import fileio, paths, rootpolicy
from ..shells import rcblock
from .. import shells
from ..core.errors import CHANGED_NOTHING, Cancelled, FileProblem, UsageError
from ..core.paths import printable


# --- plans ----------------------------------------------------------------------------------

@dataclasses.dataclass
class Change:
    shell: object
    target: shells.Target
    before: str  # None: the file does not exist
    after: str   # None: the file should not exist
    completer: str = None  # what `after` was rendered with; the write renders it again under the lock
    made_folder: bool = False  # an owned file whose folder install creates (rcblock.FOLDER_NOTE)

    @property
    def changed(self):
        return self.before != self.after

    def describe(self, environ):
        where = paths.display(self.target.path, environ)
        why = f" ({self.target.why})" if self.target.why else ""
        if not self.changed:
            return f"{where}: up to date{why}" if self.after is not None else ""
        if self.after is None:
            return f"delete {where}"
        if self.before is None:
            return f"create {where}{why}"
        if self.target.owned:
            return f"rewrite {where}{why}"
        had = bool(rcblock.find_blocks(self.before, self.target.path))
        has = bool(rcblock.find_blocks(self.after, self.target.path))
        if had and has:
            return f"update the block in {where}{why}"
        if has:
            return f"add the block to {where}{why}"
        return f"remove the block from {where}"


def desired(shell, target, before, completer_path, removing=False, made_folder=False):
    """What the file should hold (None: no file), from what it holds now (None: absent).
    made_folder: an owned file whose folder install is about to create (it keeps saying so)."""
    wanted = bool(target.sections) and not removing
    if target.owned:
        if before is not None and not rcblock.is_owned(before):
            if wanted:
                raise FileProblem(
                    f"{printable(target.path)} exists and awsmfa did not write it "
                    f"(its first line is not '{rcblock.OWNED_MARK}')",
                    hint="move it away, or pass --no-completion if it is your own aws completion"
                    if "completion" in target.sections else "move it away")
            return before  # someone else's file: never touched
        note = rcblock.FOLDER_NOTE if made_folder or rcblock.made_its_folder(before) else ""
        return rcblock.OWNED_HEADER + note + shell.render(target.sections, completer_path) if wanted else None
    if wanted:
        body = shell.render(target.sections, completer_path, wrap=target.wrap)
        after = rcblock.with_block(before or "", body, target.path, existed=before is not None)
        return rcblock.check_size(after, target.path)
    if before is None:
        return None
    text, delete = rcblock.without_blocks(before, target.path)
    return None if delete else text


def plan(shell, targets, completer_path, removing=False):
    changes = []
    for target in targets:
        rootpolicy.check_not_anothers(target.path)
        before = rcblock.read_rc(target.path)
        made = target.owned and not removing and not os.path.isdir(os.path.dirname(target.path))
        changes.append(Change(shell, target, before, desired(shell, target, before, completer_path, removing, made),
                              completer_path, made))
    return changes


def apply(changes, removing=False):
    for change in changes:
        if change.changed:
            _apply_one(change, removing)


def _apply_one(change, removing):
    creating = change.after is not None
    with _locked(change.target, create=creating) as ready:
        if ready:
            _write_under_lock(change, removing)


@contextlib.contextmanager
def _locked(target, create=False, timeout=fileio.LOCK_TIMEOUT_SECONDS):
    """The lock for writing `target`; yields False when there is no folder to work in (and
    `create` is off).

    The folder of an owned file (fish's functions/) is removed once empty. A lock on that
    folder alone could be a lock on a folder a parallel uninstall just removed, and the sweep
    of temporary files done under it would then list the new folder by name and delete a live
    writer's file. So for owned files the folder above, which awsmfa never removes, is locked
    first: the folder is created, written in, swept and removed only under that lock."""
    # The folder above an owned file first (see above), then the folder of the file itself.
    wanted = [os.path.dirname(target.path), target.path] if target.owned else [target.path]
    with contextlib.ExitStack() as stack:
        for path in wanted:
            if create:
                fileio.ensure_folder(path, mode=0o755)
            elif not os.path.isdir(os.path.dirname(os.path.realpath(path))):
                yield False
                return
            stack.enter_context(fileio.locked(path, timeout=timeout))
        yield True


def _write_under_lock(change, removing):
    # Re-read under the lock; the transformation is pure, so a parallel edit survives.
    path = change.target.path
    before = rcblock.read_rc(path)
    after = desired(change.shell, change.target, before, change.completer, removing, change.made_folder)
    if after == before:
        return
    if after is None:
        fileio.remove_file(path)
        if change.target.owned and rcblock.made_its_folder(before):
            _remove_if_empty(os.path.dirname(path))
    else:
        fileio.write_atomic(path, after)


def _remove_if_empty(folder):
    """The folder holding an owned file (fish's functions/, completions/) that install created
    (rcblock.FOLDER_NOTE), once empty: anything the user put there since keeps it."""
    try:
        os.rmdir(folder)
    except OSError:
        pass  # not empty, or not ours to remove


def unified_diff(change, environ):
    where = paths.display(change.target.path, environ)
    old = list(rcblock.lines_of(change.before or ""))
    new = list(rcblock.lines_of(change.after or ""))
    lines = difflib.unified_diff(old, new, "/dev/null" if change.before is None else f"a/{where}",
                                 "/dev/null" if change.after is None else f"b/{where}")
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


# --- the commands ---------------------------------------------------------------------------

@dataclasses.dataclass
class Completion:
    path: str = None        # None: no completion written
    message: str = ""       # what to tell the user
    problem: bool = False   # a warning rather than a fact


def check_completer_option(given):
    """--completer: a path that can go into a startup file, where a line break would end the
    comment and the command that hold it."""
    if given is not None and ("\n" in given or "\r" in given or not given.strip()):
        raise UsageError(f"--completer {printable(given)}: " + ("a path with a line break cannot go into a shell "
                                                            "startup file" if given.strip() else "empty path"))


def choose_completer(environ, home, given=None, enabled=True):
    if not enabled:
        return Completion(None, "aws completion: left out (--no-completion)")
    if given:
        check_completer_option(given)
        found = completers.given(given, environ, home)
        if not found.answers:
            return Completion(found.path, f"aws completion: {printable(found.path)} does not answer now "
                                          f"({printable(found.problem)}); written as you asked", problem=True)
    else:
        found, failed = completers.find(environ, home)
        if not found:
            tried = printable("; ".join(f"{item.path}: {item.problem}" for item in failed))
            return Completion(None, "aws completion: no working aws_completer found (looked in "
                              + completers.looked_in(home) + (f"; {tried}" if tried else "")
                              + "); the mfa function is set up without it: install the AWS CLI, then run "
                                "`awsmfa install` again", problem=True)
    return Completion(found.path, f"aws completion: {printable(found.path)} ({printable(found.how)}; it answers)")


# --- a block written for a bare completer name ---------------------------------------------

@dataclasses.dataclass
class Kept:
    """The bare completer name a shell's files were written for, and the files that say so."""
    name: str
    sources: list  # shells.Target


def is_bare_name(completer):
    """A completer written as a name the block looks up at each Tab (shells.Shell.render), and
    one that can be written again (no line break, not blank)."""
    return (bool(completer) and os.sep not in completer and completer.strip() != ""
            and "\n" not in completer and "\r" not in completer)


def kept_bare_names(chosen, acct, rc_file):
    """{shell name: Kept} for each shell whose files hold a block written for a bare completer
    name: install without --completer writes that name again, not the path it would find here
    (the block may be a dotfile shared between machines).

    Per shell, because each shell's files are set up on their own (a shared ~/.zshrc beside a
    machine's own ~/.bashrc). Within a shell, a bare name beside an absolute path wins: the
    path was only what install found when it wrote that file, and install would replace it
    anyway. Two different bare names in one shell are refused: which one is meant cannot be
    told, and --completer settles it."""
    kept = {}
    for shell in chosen:
        named = []
        for target in _targets_of(shell, acct, rc_file, True):
            if "completion" not in target.sections:
                continue
            text = rcblock.read_rc(target.path)
            name = rcblock.completer_in(target, text) if text is not None else None
            if is_bare_name(name):
                named.append((target, name))
        names = list(dict.fromkeys(name for _, name in named))
        if len(names) > 1:
            first, second = named[0], next(each for each in named if each[1] != named[0][1])
            raise FileProblem(f"{paths.display(first[0].path, acct.environ)} names the aws completer "
                              f"{printable(first[1])} and {paths.display(second[0].path, acct.environ)} names "
                              f"{printable(second[1])}",
                              hint="pass --completer with the one to write in both")
        if names:
            kept[shell.name] = Kept(names[0], [target for target, _ in named])
    return kept


def kept_message(name, sources, environ, home):
    """The one line for a kept bare name: where it was kept from, and what it finds now."""
    found = completers.given(name, environ, home)
    blocks = [paths.display(target.path, environ) for target in sources if not target.owned]
    owned = [paths.display(target.path, environ) for target in sources if target.owned]
    where = ([("the block in " if len(blocks) == 1 else "the blocks in ") + _joined(blocks)] if blocks else []) + owned
    head = f"aws completion: {printable(name)}, kept from {_joined(where)}"
    if found.answers:
        return f"{head} ({printable(found.how)}; it answers)"
    return f"{head}, does not answer now ({printable(found.problem)}); kept: the block looks it up at each Tab"


def _joined(items):
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _for_shells(message, these, chosen):
    """'aws completion for bash: ...' when the line is not about every shell chosen."""
    if len(these) == len(chosen):
        return message
    return message.replace("aws completion:", f"aws completion for {', '.join(s.name for s in these)}:", 1)


def check_rc_file_option(rc_file):
    if rc_file is not None and not rc_file.strip():
        raise UsageError("--rc-file: empty path (name the file, or leave the option out)")


def _targets_of(shell, acct, rc_file, completion):
    if rc_file:
        return [shell.rc_file_target(rc_file_path(rc_file), completion)]
    return shell.targets(acct.home, acct.environ, completion=completion)


def rc_file_path(rc_file):
    return os.path.abspath(os.path.expanduser(rc_file))


def install(shell_names=(), environ=None, rc_file=None, completer=None, completion=True, dry_run=False,
            confirm=None, say=print, show=print, is_tty=None, account=None, check_new_shells=True,
            for_account=False):
    """Set up `mfa` and aws completion for the shells of the account running awsmfa; returns
    True when something changed.

    environ: the environment the account is found from (default: os.environ); from then on,
    the account's own (acct.environ) is the one environment used.
    account: a scope.Account to use instead of the one running awsmfa (tests).
    check_new_shells: ask the account's login shell whether it finds awsmfa (warns if not).
    for_account: root works for another account (--user): without --shell, its login shell."""
    check_rc_file_option(rc_file)
    check_completer_option(completer)
    acct = scope.working_account(environ, account)
    chosen, how = scope.choose_shells(shell_names, acct, is_tty, for_account=for_account)
    if rc_file and len(chosen) != 1:
        raise UsageError("--rc-file takes one shell: name it with --shell bash|zsh|fish")
    if acct.note:
        say(acct.note)
    say(f"shell{'s' if len(chosen) > 1 else ''}: {', '.join(shell.name for shell in chosen)} ({how})")
    note = scope.login_shell_note(chosen, acct) if for_account and not rc_file else ""
    if note:
        say(note)
    # First the files as they are, the function alone: what must be refused (a file that cannot
    # be read, an open block, a user's own mfa, a folder that cannot be written) is refused
    # before the completer check runs anything.
    _plan_and_check(chosen, acct, rc_file, {})
    completer_of = {}  # shell name -> the completer its files get (None: no completion)
    # A block written for a bare name (a dotfile shared between machines) keeps it, unless
    # --completer or --no-completion says otherwise; refused here too: two bare names in one shell.
    kept = kept_bare_names(chosen, acct, rc_file) if completion and not completer else {}
    searching = [shell for shell in chosen if shell.name not in kept]
    if searching:
        aws_completion = choose_completer(acct.environ, acct.home, completer, completion)
        say(_for_shells(aws_completion.message, searching, chosen))
        completer_of.update((shell.name, aws_completion.path) for shell in searching)
    for name in dict.fromkeys(keep.name for keep in kept.values()):
        keeping = [shell for shell in chosen if shell.name in kept and kept[shell.name].name == name]
        sources = [target for shell in keeping for target in kept[shell.name].sources]
        say(_for_shells(kept_message(name, sources, acct.environ, acct.home), keeping, chosen))
        completer_of.update((shell.name, name) for shell in keeping)
    for shell in chosen:
        provider = shell.completion_provider(completer_of[shell.name]) if completer_of[shell.name] else None
        if provider:
            say(f"aws completion for {shell.name}: by {printable(provider)} where bash-completion is loaded, "
                "else by the block")
    changes = _plan_and_check(chosen, acct, rc_file, completer_of)
    changed = _carry_out(changes, dry_run, confirm, say, show, removing=False,
                         environ=acct.environ,
                         done=f"nothing to change: {', '.join(shell.name for shell in chosen)} already set up",
                         after_hint=["open a new shell to use `mfa` and Tab completion for aws"])
    if check_new_shells:
        # The zsh dump the question made is kept only by an install that wrote: "nothing to
        # change" leaves the home byte for byte as it was (test_install_bare_name).
        for line in new_shell_warnings(acct, chosen, for_account, keep_made=changed and not dry_run):
            say(line)
    return changed


def _plan_and_check(chosen, acct, rc_file, completer_of):
    """completer_of: {shell name: completer path or bare name}; a shell not in it gets no completion."""
    changes = []
    for shell in chosen:
        completer_path = completer_of.get(shell.name)
        shell_changes = plan(shell, _targets_of(shell, acct, rc_file, completer_path is not None), completer_path)
        check_clash(shell, shell_changes, acct, rc_file)
        changes += shell_changes
    _check_writable(changes)
    return changes


def new_shell_warnings(acct, chosen, for_account=False, keep_made=False):
    """A line for each shell set up (and the login shell) whose new shells will not find
    awsmfa (`mfa` calls it by name), with the fix, or a note when that cannot be told; [] when
    they all find it (loginshell.new_shells says which shells, started how)."""
    answers = loginshell.new_shells(acct.home, acct.environ, acct.uid, acct.login_shell,
                                    [shell.name for shell in chosen], keep_made)
    lines, missed = [], {}
    for answer in answers:
        if answer.answered and not answer.awsmfa:
            missed.setdefault(answer.shell, []).append(answer)
    for shell, these in missed.items():
        which = (f"a new {shell} of {acct.name}, login shell or not" if len(these) > 1
                 else these[0].which.replace(f" {shell}", f" {shell} of {acct.name}", 1))
        advice = printable(loginshell.fix(these, answers, acct.home, acct.environ, for_account), line=True)
        lines.append(f"warning: awsmfa is not on PATH for {which}, and `mfa` calls it by name: {advice}")
    here = "it is on PATH here" if loginshell.awsmfa_on_path(acct.environ) else "it is not on PATH here either"
    for unsure in (answer for answer in answers if not answer.answered):
        lines.append(f"note: could not tell whether {unsure.which} finds awsmfa ({printable(unsure.problem)}); "
                     f"{here}, and `mfa` calls it by name")
    return lines


def uninstall(shell_names=(), environ=None, rc_file=None, dry_run=False, confirm=None, say=print, show=print,
              account=None):
    """Remove what install wrote, for the named shells or all of them; True when something changed."""
    check_rc_file_option(rc_file)
    acct = scope.working_account(environ, account)
    if acct.note:
        say(acct.note)
    chosen = scope.named_shells(shell_names) if shell_names else scope.named_shells(["all"])
    if rc_file:
        chosen = chosen[:1]
    changes = []
    for shell in chosen:
        changes += plan(shell, _targets_of(shell, acct, rc_file, True), None, removing=True)
    _check_writable(changes)
    made = [] if rc_file else made_by_blocks(chosen, acct)
    return _carry_out(changes, dry_run, confirm, say, show, removing=True, environ=acct.environ, made=made,
                      done="nothing to remove: no awsmfa block or file found", after_hint=[
                          "open a new shell: the current one keeps mfa and the completion until it ends"])


def made_by_blocks(chosen, acct):
    """The files the blocks of these shells made as they ran (zsh's completion dump), there now."""
    found = []
    for shell in chosen:
        for path in shell.made_by_block(acct.home, acct.environ):
            rootpolicy.check_not_anothers(path)
            if os.path.isfile(path) and not os.path.islink(path):
                found.append(path)
    return found


def _remove_made(made, environ, say):
    for path in made:
        try:
            with fileio.locked(path):
                fileio.remove_file(path)
        except (FileProblem, OSError) as error:
            say(f"warning: {paths.display(path, environ)} stays: {printable(str(error))}")
        else:
            say(f"deleted {paths.display(path, environ)} (zsh's completion dump, made by awsmfa's block)")


def check_clash(shell, changes, acct, rc_file=None):
    """Refuse when the user defines `mfa` already (an alias, a function), in a file install
    writes or one the shell reads at start (~/.bash_aliases, config.fish): the two would
    clash, and which one runs would depend on the order of definition."""
    found = [(change.target.path, change.before) for change in changes
             if change.target.sections and not change.target.owned and change.before]
    if not rc_file:
        for path in shell.clash_files(acct.home, acct.environ):
            try:
                found.append((path, rcblock.read_rc(path)))
            except FileProblem:
                continue  # a file we do not edit: its trouble is not ours to report
    for path, text in found:
        clash = shell.own_mfa(text) if text else None
        if clash:
            number, line = clash
            shown = line.strip()
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            raise FileProblem(f"{paths.display(path, acct.environ)} line {number} defines mfa already ({shown}), "
                              "which would clash with awsmfa's mfa",
                              hint="rename or remove yours, then run `awsmfa install` again")


def _check_writable(changes):
    for change in changes:
        if change.changed:
            fileio.check_writable(change.target.path, refuse_read_only=True, done=CHANGED_NOTHING)


def _sweep(changes):
    """Take the lock once in each folder we write to, which sweeps the temporary files a killed
    run left there: also when there is nothing to change (the kill came before the rename, and
    the next run is uninstall, or an install with the same content)."""
    seen = set()
    for change in changes:
        folder = os.path.dirname(os.path.realpath(change.target.path))
        if folder in seen or not os.path.isdir(folder):
            continue
        seen.add(folder)
        try:
            with _locked(change.target, timeout=2):
                pass
        except (FileProblem, OSError):
            pass  # a leftover stays for a later run; never a reason to fail


def _carry_out(changes, dry_run, confirm, say, show, removing, environ, done, after_hint, made=()):
    """made: files a block made as its shell ran (uninstall deletes them after the blocks)."""
    todo = [change for change in changes if change.changed]
    if not todo and not made:
        if not dry_run:
            _sweep(changes)
        for change in changes:
            if change.describe(environ) and not removing:
                say(change.describe(environ))
        say(done)
        return False
    if dry_run:
        for change in todo:
            say("would " + change.describe(environ))
            show(unified_diff(change, environ).rstrip("\n"))
        for path in made:
            say(f"would delete {paths.display(path, environ)} (zsh's completion dump, made by awsmfa's block)")
        say("dry run: nothing was written")
        return True
    if confirm is not None:
        for change in todo:
            say("will " + change.describe(environ))
        for path in made:
            say(f"will delete {paths.display(path, environ)} (zsh's completion dump, made by awsmfa's block)")
        if not confirm():
            raise Cancelled("you answered no")
    apply(todo, removing)
    _sweep(changes)
    for change in changes:
        line = change.describe(environ)
        if line and (change.changed or not removing):
            say(_in_past_tense(line) if change.changed else line)
    _remove_made(made, environ, say)
    for hint in after_hint:
        say(hint)
    return True


def _in_past_tense(line):
    for verb, done in (("create ", "created "), ("delete ", "deleted "), ("rewrite ", "rewrote "),
                       ("update ", "updated "), ("add ", "added "), ("remove ", "removed ")):
        if line.startswith(verb):
            return done + line[len(verb):]
    return line


def init(shell_name, environ=None, completer=None, completion=True, say=print):
    """The block install would write for this shell, for a dotfile repo or a config.fish."""
    environ = dict(os.environ if environ is None else environ)
    check_completer_option(completer)
    shell = shells.by_name(shell_name)
    aws_completion = choose_completer(environ, paths.home_dir(environ), completer, completion)
    if aws_completion.problem:
        say(aws_completion.message)
    sections = shell.sections(aws_completion.path is not None)
    return rcblock.block_text(shell.render(sections, aws_completion.path))
