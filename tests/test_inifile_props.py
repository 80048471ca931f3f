"""Property tests of the one edit awsmfa makes to ~/.aws/credentials: its session section.

Hypothesis generates credentials files the way people have them: comments (# and ;), blank
and whitespace-only lines, CRLF or mixed line endings, no final newline, unicode everywhere,
`key = value`, `key=value` and `key: value` forms, indented continuation lines, look-alike
sections ([mfa ], [MFA], [ mfa], [profile mfa]) holding session keys, a hand-made [mfa], and an
[mfa] left by an older awsmfa. For each file:

* writing the session then removing it gives back every byte outside awsmfa's section (the
  whole file, when there was no [mfa] before);
* a second write with the same values changes nothing;
* every other section reads the same to configparser, the way botocore reads it, after each
  step;
* files the AWS CLI cannot read (duplicate sections or keys) and profiles that are not ours are
  refused, with the file left byte for byte and its mode unchanged.

The number of examples run is counted and printed in the test summary (conftest.py).
"""
import collections
import datetime as dt
import io
import operator
import os
import stat
import tempfile

import configparser
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from awsshell_setup.sessions import profiles, rolestore
from awsshell_setup.core import timeutil
from awsshell_setup.core.errors import FileProblem, ProfileProblem
from awsshell_setup.core.inifile import IniDocument, split_lines
from awsshell_setup.sessions.profiles import SESSION_KEYS, Credentials, SourceProfile

FIGURES = collections.Counter()  # printed by conftest.pytest_terminal_summary


# --- what botocore reads ---------------------------------------------------------------------


def botocore_view(text):
    """Every section as botocore reads the file: RawConfigParser over a file opened in text mode
    (universal newlines), [DEFAULT] merged into each section and also listed under None."""
    parser = configparser.RawConfigParser()
    parser.read_file(io.StringIO(text, newline=None))
    view = {name: dict(parser.items(name)) for name in parser.sections()}
    view[None] = dict(parser.defaults())
    return view


def others(view, name="mfa"):
    return {key: value for key, value in view.items() if key != name}


def readable(text):
    try:
        botocore_view(text)
        return True
    except configparser.Error:
        return False


# --- generated files -------------------------------------------------------------------------

# Any character but line breaks (the generator decides those) and lone surrogates (not UTF-8).
free_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=18)
word = st.text(st.characters(blacklist_categories=("Cs", "Z", "C"), blacklist_characters="[]#;=:"),
               min_size=1, max_size=10)
key_names = st.one_of(
    st.sampled_from(["aws_access_key_id", "AWS_Secret_Access_Key", "aws_session_token", "region", "output",
                     "mfa_serial", "awsmfa_source_profile", "awsmfa_expiration", "s3", "x.y", "ключ"]),
    word)
section_names = st.one_of(
    st.sampled_from(["default", "work", "mfa ", " mfa", "MFA", "Mfa", "profile mfa", "mfa-old", "work-mfa",
                     "ünïcødé ☃", "a=b", "x;y", "with space", "DEFAULT", "#hash", "mfa]x"]),
    word)
blank_lines = st.sampled_from(["", " ", "\t", "   ", "\u3000", "\x0c"])
comments = st.builds(lambda indent, prefix, text: indent + prefix + text,
                     st.sampled_from(["", "  "]), st.sampled_from(["#", ";"]), free_text)
# A continuation line's text: never blank, never a comment (those are lines of their own).
continuation_text = st.builds(operator.add, st.characters(blacklist_categories=("Cs", "Z", "C"),
                                                          blacklist_characters="#;"), free_text)
delimiters = st.sampled_from([" = ", "=", ": ", ":", " =", "= ", "\t=\t"])


@st.composite
def key_entry(draw, key=None, indent=""):
    """A key line and its continuation lines (indented deeper, never a comment or blank)."""
    key = key if key is not None else draw(key_names)
    value = draw(free_text)
    lines = [(indent + key + draw(delimiters) + value, "key")]
    for text in draw(st.lists(continuation_text, max_size=2)):
        lines.append((indent + draw(st.sampled_from(["  ", "    ", "\t", "     "])) + text, "cont"))
    return key, lines


@st.composite
def section_body(draw):
    """Keys (unique once lowercased, as configparser demands), comments and blank lines."""
    body, keys = [], set()
    for kind in draw(st.lists(st.sampled_from(["key", "key", "comment", "blank"]), max_size=6)):
        if kind == "key":
            key, lines = draw(key_entry())
            if key.strip().lower() in keys:
                continue
            keys.add(key.strip().lower())
            body += lines
        elif kind == "comment":
            body.append((draw(comments), "comment"))
        else:
            body.append((draw(blank_lines), "blank"))
    return body


def session_like_body(draw, marker):
    """The keys of an [mfa] someone made by hand (marker False) or an older awsmfa wrote."""
    keys = [("aws_access_key_id", "ASIAOLDSESSIONKEY01"), ("aws_secret_access_key", "old/secret+key"),
            ("aws_session_token", "FwoGZXIvYXdzEOLD//token=="), ("region", "eu-west-1")]
    if marker:
        keys += [("awsmfa_source_profile", "default"), ("awsmfa_expiration", "2024-01-01T00:00:00Z"),
                 ("awsmfa_duration_seconds", "3600")]
    if draw(st.booleans()):
        keys.append(("output", "json"))  # a key of the user's inside the session section
    keys = draw(st.permutations(keys))
    body = []
    for key, value in keys:
        form = draw(st.sampled_from(["{k} = {v}", "{k}={v}", "{k}: {v}", "{K} = {v}"]))
        body.append((form.format(k=key, K=key.upper(), v=value), "key"))
        if draw(st.integers(0, 4)) == 0:
            body.append((draw(comments), "comment"))
    if draw(st.booleans()):
        body.append((draw(st.sampled_from(["", "# after the keys"])), "tail"))
    return body


@st.composite
def credentials_files(draw, mfa=None):
    """(text, facts): a credentials file configparser accepts, and where its [mfa] is.

    mfa: None (absent), "older" (an awsmfa section from an older write), "handmade" (a session
    someone pasted by hand, no awsmfa marker); drawn when not given.
    """
    mfa = draw(st.sampled_from([None, None, "older", "handmade"])) if mfa == "any" else mfa
    lines = [(text, "comment") for text in draw(st.lists(st.one_of(comments, blank_lines), max_size=3))]
    names = [name for name in dict.fromkeys(draw(st.lists(section_names, max_size=5))) if name != "mfa"]
    sections = [(name, draw(section_body())) for name in names]
    if mfa:
        at = draw(st.integers(0, len(sections)))
        sections.insert(at, ("mfa", session_like_body(draw, marker=mfa == "older")))
    header = None
    for name, body in sections:
        if lines and draw(st.booleans()):
            lines.append(("", "blank"))  # the usual blank line between sections
        if name == "mfa":
            header = len(lines)
        lines.append((f"[{name}]" + draw(st.sampled_from(["", "", " ", " # note"])), "header"))
        lines += body
    endings = draw(st.sampled_from(["lf", "crlf", "mixed"]))
    final_newline = draw(st.booleans())
    text = ""
    for number, (line, kind) in enumerate(lines):
        if endings == "mixed":
            ending = draw(st.sampled_from(["\n", "\r\n"]))
        else:
            ending = "\n" if endings == "lf" else "\r\n"
        if number == len(lines) - 1 and not final_newline:
            ending = ""
        lines[number] = (line + ending, kind)
        text += line + ending
    assume(readable(text))
    facts = {"mfa": mfa, "lines": lines, "header": header}
    if header is not None:
        # The last line of the section's content: its last key or continuation line.
        last = header
        for number in range(header + 1, len(lines)):
            if lines[number][1] == "header":
                break
            if lines[number][1] in ("key", "cont"):
                last = number
        facts["last"] = last
    return text, facts


@st.composite
def session_values(draw):
    alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    b64 = alnum + "abcdefghijklmnopqrstuvwxyz0189+/"
    key = "ASIA" + draw(st.text(st.sampled_from(alnum), min_size=16, max_size=16))
    secret = draw(st.text(st.sampled_from(b64), min_size=40, max_size=40))
    token = draw(st.text(st.sampled_from(b64 + "="), min_size=100, max_size=400)).strip("=") + "=="
    region = draw(st.sampled_from([None, "us-east-1", "eu-west-3"]))
    minutes = draw(st.integers(15, 36 * 60))
    expiration = timeutil.now().replace(microsecond=0) + dt.timedelta(minutes=minutes)
    return Credentials(key, secret, token, expiration), SourceProfile("default", "AKIA", "x", region=region), minutes * 60


def items_of(values):
    credentials, source, duration = values
    return profiles.session_items(credentials, source, duration)


def assert_removed(removed, text, facts):
    """Writing [mfa] then removing it left every byte outside the section, from the generator's
    own record of where [mfa] was (its header to its last key or continuation line).

    With no [mfa] before: the file exactly. With one: the lines above its header (less the one
    bare blank line that separates it), then the lines after it; between them at most some of
    the comments and blank lines that sat among its keys (kept when the keys around them were
    dropped: a user's line is never deleted unless it is inside the section as written)."""
    if facts["header"] is None:
        assert removed == text
        return
    lines = [line for line, _ in facts["lines"]]
    first, last = facts["header"], facts["last"]
    if first > 0 and lines[first - 1] in ("\n", "\r\n"):
        first -= 1
    head, tail = "".join(lines[:first]), "".join(lines[last + 1:])
    inside = [line for line, kind in facts["lines"][first:last + 1] if kind in ("comment", "blank")]
    if not tail and not text.endswith("\n"):
        # The section ended the file, without a newline: so does what comes before it now.
        head = head[:-len("\r\n" if head.endswith("\r\n") else "\n")] if head.endswith("\n") else head
        assert removed.startswith(head.rstrip("\r\n")), (removed, head)
        middle = removed[len(head):]
        assert all(line.strip() == "" or line.strip()[0] in "#;" for line in split_lines(middle))
        return
    assert removed.startswith(head) and removed.endswith(tail)
    middle = split_lines(removed[len(head):len(removed) - len(tail)])
    left = iter(inside)
    assert all(any(line == kept for kept in left) for line in middle), (middle, inside)
    if not middle:
        assert removed == head + tail


# --- properties, in memory ---------------------------------------------------------------------


@given(credentials_files(mfa="any"), session_values())
def test_write_twice_then_remove_keeps_every_byte_outside_the_session(generated, values):
    text, facts = generated
    FIGURES["credentials files generated (write/rewrite/remove)"] += 1
    items = items_of(values)
    before = botocore_view(text)

    written = IniDocument(text).with_section("mfa", items, drop=SESSION_KEYS)
    after = botocore_view(written)
    assert others(after) == others(before)
    assert {key: after["mfa"].get(key) for key in items} == items

    if facts["header"] is None:
        assert written.startswith(text)  # an append: every existing byte in place
    else:
        lines = [line for line, _ in facts["lines"]]
        head, tail = "".join(lines[:facts["header"]]), "".join(lines[facts["last"] + 1:])
        assert written.startswith(head) and written.endswith(tail)
        assert "ASIAOLDSESSIONKEY01" not in written and "FwoGZXIvYXdzEOLD" not in written
        if any(line.lower().startswith("output") for line in lines[facts["header"]:facts["last"] + 1]):
            assert after["mfa"]["output"] == "json"  # the user's own key in the section stays

    assert IniDocument(written).with_section("mfa", items, drop=SESSION_KEYS) == written

    removed = IniDocument(written).without_section("mfa")
    assert_removed(removed, text, facts)
    assert others(botocore_view(removed)) == others(before) and "mfa" not in botocore_view(removed)
    assert IniDocument(removed).without_section("mfa") == removed


@given(credentials_files(mfa="any"))
def test_the_scanner_reads_what_configparser_reads(generated):
    """The cached path of `env` reads with the scanner alone (no configparser): whenever it
    does not flag the file as odd, it must see exactly the values botocore sees."""
    text, _ = generated
    FIGURES["files compared scanner vs configparser"] += 1
    quick = IniDocument(text, check=False)
    if quick.odd:
        FIGURES["files the scanner sent to the full path (odd)"] += 1
        return
    assert quick.values == IniDocument(text).values
    view = botocore_view(text)
    assert quick.values == {name: values for name, values in view.items() if name is not None}


wild_lines = st.one_of(
    comments, blank_lines,
    st.builds(lambda indent, key, delim, value: indent + key + delim + value,
              st.sampled_from(["", " ", "  ", "\t", "    "]), key_names, delimiters, free_text),
    st.builds(lambda indent, name: f"{indent}[{name}]", st.sampled_from(["", " ", "  ", "\t"]),
              st.sampled_from(["mfa", "default", "x", "MFA"])),
)


@given(st.lists(wild_lines, max_size=12), st.sampled_from(["\n", "\r\n"]), session_values())
def test_odd_indentation_never_changes_another_profile(lines, newline, values):
    """Indented headers and keys: whatever awsmfa writes or removes, or refuses, no other
    section may read differently afterwards."""
    text = newline.join(["[first]"] + lines)
    assume(readable(text))
    FIGURES["files with odd indentation"] += 1
    before = botocore_view(text)
    items = items_of(values)
    try:
        written = IniDocument(text).with_section("mfa", items, drop=SESSION_KEYS)
    except (FileProblem, ProfileProblem):
        FIGURES["files with odd indentation refused"] += 1
        return
    assert others(botocore_view(written)) == others(before)
    try:
        removed = IniDocument(written).without_section("mfa")
    except FileProblem:
        FIGURES["files with odd indentation refused"] += 1
        return
    assert others(botocore_view(removed)) == others(before)


# --- properties, on disk, through the locked atomic path -----------------------------------------


def temporaries(folder):
    return [name for name in os.listdir(folder) if name.endswith(".awsmfa-tmp")]


def snapshot(path):
    with open(path, "rb") as handle:
        return handle.read(), stat.S_IMODE(os.stat(path).st_mode)


def credentials_on_disk(home, text, mode):
    """~/.aws/credentials under `home` holding `text` at `mode`; its path."""
    folder = os.path.join(home, ".aws")
    os.mkdir(folder, 0o700)
    path = os.path.join(folder, "credentials")
    with open(path, "wb") as handle:
        handle.write(text.encode("utf-8"))
    os.chmod(path, mode)
    return path


def logout(environ, name):
    """What `awsmfa logout` does to a plain session: whether [name] was there and went."""
    return rolestore.remove_with_role_sessions(environ, name)[0]


@given(credentials_files(mfa="any"), session_values(), st.sampled_from([0o600, 0o644, 0o640, 0o400]))
def test_write_session_and_logout_on_disk(generated, values, mode):
    text, facts = generated
    FIGURES["credentials files written and removed on disk"] += 1
    with tempfile.TemporaryDirectory() as home:
        path = credentials_on_disk(home, text, mode)
        environ = {"HOME": home}
        credentials, source, duration = values
        if profiles.foreign_keys(IniDocument(text).section("mfa")):
            # A key of the user's inside [mfa] (here `output`): not an awsmfa session, so
            # neither filled nor removed, and the file is left exactly as it was.
            FIGURES["[mfa] holding a key of the user's, refused untouched"] += 1
            for attempt in (lambda: profiles.write_session(environ, "mfa", credentials, source, duration),
                            lambda: logout(environ, "mfa")):
                with pytest.raises(ProfileProblem, match="holds keys awsmfa does not write"):
                    attempt()
                assert snapshot(path) == (text.encode("utf-8"), mode)
            return

        profiles.write_session(environ, "mfa", credentials, source, duration)
        written, written_mode = snapshot(path)
        assert written_mode == 0o600
        assert written.decode("utf-8") == IniDocument(text).with_section("mfa", items_of(values), drop=SESSION_KEYS)
        profiles.write_session(environ, "mfa", credentials, source, duration)
        assert snapshot(path) == (written, 0o600)

        assert logout(environ, "mfa") is True
        removed, removed_mode = snapshot(path)
        assert removed_mode == 0o600
        assert_removed(removed.decode("utf-8"), text, facts)
        assert logout(environ, "mfa") is False
        assert snapshot(path) == (removed, 0o600)
        assert temporaries(os.path.dirname(path)) == [] and sorted(os.listdir(os.path.dirname(path))) == ["credentials"]


@st.composite
def unreadable_files(draw):
    """A valid file made invalid the way hand edits do: a section pasted twice, a key twice."""
    text, facts = draw(credentials_files(mfa="any"))
    lines = [line for line, _ in facts["lines"]]
    headers = [number for number, (_, kind) in enumerate(facts["lines"]) if kind == "header"]
    keys = [number for number, (_, kind) in enumerate(facts["lines"]) if kind == "key"]
    how = draw(st.sampled_from(["section", "key"]))
    assume(headers if how == "section" else keys)
    at = draw(st.sampled_from(headers if how == "section" else keys))
    copy = lines[at] if lines[at].endswith("\n") else lines[at] + "\n"
    where = draw(st.sampled_from(["before", "end"]))
    if how == "key":
        lines.insert(at + 1, copy if lines[at].endswith("\n") else "\n" + copy.rstrip("\n"))
        if not lines[at].endswith("\n"):
            lines[at] += "\n"
            lines[at + 1] = lines[at + 1].lstrip("\n")
    elif where == "before":
        lines.insert(at, copy)
    else:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.append(copy)
    broken = "".join(lines)
    assume(not readable(broken))
    return broken


@given(unreadable_files(), session_values())
def test_files_the_aws_cli_cannot_read_are_refused_untouched(broken, values):
    FIGURES["unreadable files refused untouched"] += 1
    with tempfile.TemporaryDirectory() as home:
        path = credentials_on_disk(home, broken, 0o644)
        before = snapshot(path)
        credentials, source, duration = values
        with pytest.raises(FileProblem, match="changed nothing"):
            profiles.write_session({"HOME": home}, "mfa", credentials, source, duration)
        assert snapshot(path) == before
        with pytest.raises(FileProblem, match="changed nothing"):
            logout({"HOME": home}, "mfa")
        assert snapshot(path) == before and temporaries(os.path.dirname(path)) == []


@given(credentials_files(mfa=None), session_values(), st.sampled_from(["long-term", "handmade-session"]),
       st.sampled_from(["mfa", "mfa ", "MFA"]))
def test_profiles_that_are_not_ours_are_never_overwritten_or_removed(generated, values, kind, spelling):
    """A hand-made [mfa] with long-term keys is never overwritten; no hand-made section
    (session keys or not) is ever removed; look-alike names ([mfa ], [MFA]) are other profiles."""
    text, _ = generated
    FIGURES["profiles not ours, kept"] += 1
    assume(f"[{spelling}]" not in text)
    body = "aws_access_key_id = AKIAHANDMADE\naws_secret_access_key = handmade\n"
    if kind == "handmade-session":
        body += "aws_session_token = handmadetoken\n"
    text = text + ("\n" if text and not text.endswith("\n") else "") + f"[{spelling}]\n" + body
    with tempfile.TemporaryDirectory() as home:
        os.mkdir(os.path.join(home, ".aws"))
        path = os.path.join(home, ".aws", "credentials")
        with open(path, "w", newline="") as handle:
            handle.write(text)
        before = snapshot(path)
        environ = {"HOME": home}
        if spelling == "mfa":
            with pytest.raises(ProfileProblem, match="not written by awsmfa"):
                logout(environ, "mfa")
            assert snapshot(path) == before
            if kind == "long-term":
                with pytest.raises(ProfileProblem, match="holds long-term keys"):
                    profiles.write_session(environ, "mfa", *values)
                assert snapshot(path) == before
                return
        else:
            assert logout(environ, "mfa") is False
            assert snapshot(path) == before
        profiles.write_session(environ, "mfa", *values)
        after = snapshot(path)[0].decode("utf-8")
        view = botocore_view(after)
        assert others(view) == others(botocore_view(text))
        assert view["mfa"]["aws_session_token"] == values[0].session_token
