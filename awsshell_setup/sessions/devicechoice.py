"""Which MFA device, when IAM lists more than one for the user (AWS allows up to eight).

On a terminal the user picks one from a numbered list, and may have it remembered as
`mfa_serial` in the source profile's config section (the AWS CLI's own key), so the question
is asked once. Without a terminal nothing is guessed and nothing is written: the refusal lists
the devices and names the two ways to pick one (docs/ARCHITECTURE.md §4, "Refuse early": this
runs before any code is asked for).

The list and the question go to /dev/tty, as codeprompt.py's prompt does: stdout belongs to
the shell code `env` prints. Every device name reaches the terminal through paths.printable,
since the names come from AWS (or whoever answers at AWS_ENDPOINT_URL).
"""
import os

from ..core import fileio, paths
from ..core.errors import ASKED_NOTHING, Cancelled, FileProblem, NoTerminal, ProfileProblem
from .codeprompt import PROMPT_TRIES, Terminal
from .profiles import AwsFiles, config_profile_name

KEY = "mfa_serial"
CHOSEN = "chosen at the prompt"


def choose(devices, source_name, environ, ask=None):
    """(serial, how) for the source profile `source_name` whose user has `devices` (serials).

    ask: a callable(prompt) -> the typed line, stripped ('' or None at end of input); None means
    /dev/tty (codeprompt.Terminal, with no fallback to stdin: an answer may be written to a
    file). Raises ProfileProblem when there is no terminal to ask on (the refusal that
    lists the devices), Cancelled on no answer or Ctrl-C.
    """
    if len(devices) == 1:
        return devices[0], "found with iam:ListMFADevices"
    if ask is not None:
        return _choose_with(devices, source_name, environ, ask, _to_stderr)
    terminal = Terminal(fallback=False)
    try:
        terminal.__enter__()
    except NoTerminal:
        raise _refusal(devices, source_name, environ) from None
    try:
        return _choose_with(devices, source_name, environ, terminal.ask, terminal.say)
    except KeyboardInterrupt:
        terminal.writer.write("\n")  # the message then starts below `^C`, not after it
        terminal.writer.flush()
        raise Cancelled("cancelled")
    finally:
        terminal.close()


def _refusal(devices, source_name, environ):
    config = paths.display(paths.config_file(environ), environ)
    listed = ", ".join(paths.printable(device) for device in devices)
    return ProfileProblem(f"the user of profile [{paths.printable(source_name)}] has {len(devices)} MFA devices: "
                          f"{listed}", hint=f"pick one with --serial-number ARN, or set {KEY} in "
                                            f"[{_header_shown(source_name)}] of {config}", done=ASKED_NOTHING)


def _header_shown(source_name):
    return "default" if source_name == "default" else f"profile {paths.printable(source_name)}"


def _choose_with(devices, source_name, environ, ask, say):
    say(f"awsmfa: the user of profile [{paths.printable(source_name)}] has {len(devices)} MFA devices:")
    for number, device in enumerate(devices, 1):
        say(f"  {number}) {paths.printable(device)}")
    serial = devices[_pick(len(devices), ask, say) - 1]
    return serial, _offer_to_remember(serial, source_name, environ, ask, say)


def _pick(count, ask, say):
    for attempt in range(PROMPT_TRIES):
        answer = ask(f"Which one? [1-{count}]: ")
        if not answer:
            raise Cancelled("no MFA device chosen")
        if answer.isascii() and answer.isdigit() and 1 <= int(answer) <= count:
            return int(answer)
        if attempt + 1 < PROMPT_TRIES:
            say(f"Type a number from 1 to {count}.")
    raise Cancelled("no MFA device chosen")


def _offer_to_remember(serial, source_name, environ, ask, say):
    """How the device was chosen, after offering to write it into the config file; the
    offer is made only when the write could succeed, so a yes is never answered by a refusal."""
    path = paths.config_file(environ)
    shown = paths.display(path, environ)
    if not serial.isprintable() or serial != serial.strip():
        return CHOSEN  # a name that cannot be one line of an INI file is not offered
    try:
        fileio.check_writable(path)
        header = _section_header(AwsFiles(environ), source_name)
    except FileProblem as error:  # the choice still stands for this run
        say(f"awsmfa: cannot remember the choice in {shown} ({_reason(error)}); "
            f"set {KEY} in [{_header_shown(source_name)}] yourself")
        return CHOSEN
    say(f"Remember it? One line is added to [{paths.printable(header)}] in {shown}:")
    say(f"+ {KEY} = {paths.printable(serial)}")
    if (ask("remember it? [y/N] ") or "").lower() not in ("y", "yes"):
        return CHOSEN
    remember(serial, source_name, environ)
    say(f"awsmfa: remembered as {KEY} in [{paths.printable(header)}] of {shown}")
    return f"{CHOSEN}, remembered as {KEY} in {shown}"


def _reason(error):
    return paths.printable(error.message)


def _section_header(files, source_name):
    """The header of the config section botocore reads as this profile (the last such, as
    its build_profile_map keeps), else the one to create: `[default]` or `[profile NAME]`."""
    found = None
    for header in files.config.values:
        if header is not None and config_profile_name(header) == source_name:
            found = header
    if found is not None:
        return found
    return "default" if source_name == "default" else f"profile {source_name}"


def remember(serial, source_name, environ):
    """Add `mfa_serial = SERIAL` to the source profile's config section: only that line (the
    section is created when absent), under the file's lock, atomically, mode kept (a new file
    is made 0600, as the AWS CLI makes it), re-read under the lock (inifile verifies that every
    other section reads as before)."""
    path = paths.config_file(environ)
    fileio.ensure_folder(path)
    with fileio.locked(path):
        files = AwsFiles(environ)
        header = _section_header(files, source_name)
        section = files.config.section(header) or {}
        if section.get(KEY) == serial:
            return False
        text = files.config.with_section(header, {KEY: serial})
        fileio.write_atomic(path, text, mode=None if os.path.exists(fileio.real_path(path)) else 0o600)
    return True


def _to_stderr(line):
    """Lines for the user when the caller supplies the questions (`ask`): on stderr."""
    import sys

    sys.stderr.write(line + "\n")
    sys.stderr.flush()
