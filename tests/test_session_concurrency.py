"""Many awsmfa writers at once on one credentials file, with other writers in between.

* Fast and many: processes calling profiles.write_session (what `login` and `env` end with)
  with distinct fake sessions, each to the shared [mfa] and to a profile of its own, while a
  second writer edits other profiles through the same lock (as another awsmfa would), and a
  reader samples the file all along. Afterwards, and in every sample: the file parses, the
  long-term profile is byte for byte intact, every session profile is one complete set of keys
  from a single write, and no update is lost (each profile holds its writer's last round).
* A writer that does NOT take the lock but replaces the file atomically (another tool): every
  sample still parses and every profile is still one complete set (a rename is atomic), but
  updates can be lost, both ways: last writer wins, as with any two tools that share no lock.
  The count is reported, not asserted.
* Real `awsmfa login` processes against the local AWS, at once, all writing the same
  --update-profile from different users: the profile ends as exactly one session STS issued.

Figures (processes x rounds, writes, samples, losses) are printed in the test summary.
`--soak` runs ten times the rounds.
"""
import collections
import configparser
import io
import multiprocessing
import os
import stat
import subprocess
import tempfile
import time

import pytest

import tiers
from awsenv import AWSMFA, AwsUser
from awsshell_setup.core import fileio, timeutil
from awsshell_setup.core.inifile import IniDocument
from awsshell_setup.localaws import mfa
from awsshell_setup.sessions.profiles import Credentials, SourceProfile, write_session

FIGURES = collections.OrderedDict()  # printed by conftest.pytest_terminal_summary
PROCESSES = 8
ROUNDS = tiers.rounds(40)
EDITED = ["work", "prod", "ci", "lab", "old"]

HEADER = "# my AWS keys: keep this comment\n"
LONG_TERM = "[default]\naws_access_key_id = AKIALONGTERM0000\naws_secret_access_key = long/term+secret\n"
SOURCE = SourceProfile("default", "AKIALONGTERM0000", "long/term+secret", region="eu-west-1")
EXPIRY = timeutil.parse_utc("2030-01-01T00:00:00Z")


def session_of(writer, round_number):
    """A fake session whose every value names its writer and round: a mix shows at once."""
    tag = f"{writer:03d}x{round_number:05d}"
    return Credentials(f"ASIA{tag}ZZZZZ", f"secret/{tag}+" + "s" * 20, f"token{tag}" + "t" * 400,
                       EXPIRY.replace(minute=writer % 60, second=round_number % 60))


def tag_of(section):
    """(writer, round) of a session profile, after checking every key came from that write."""
    tag = section["aws_access_key_id"][4:13]
    writer, round_number = int(tag[:3]), int(tag[4:])
    expected = session_of(writer, round_number)
    assert section["aws_secret_access_key"] == expected.secret_access_key
    assert section["aws_session_token"] == expected.session_token
    assert section["awsmfa_expiration"] == timeutil.format_utc(expected.expiration)
    assert section["awsmfa_source_profile"] == "default" and section["region"] == "eu-west-1"
    return writer, round_number


def edited_values(name, round_number):
    return {"aws_access_key_id": f"AKIA{name.upper()}", "aws_secret_access_key": f"secret-{name}",
            "note": f"round {round_number:05d}"}


def check_snapshot(text):
    """Everything that must hold of any version of the file a reader can see."""
    assert text.startswith(HEADER + LONG_TERM), text[:200]
    parser = configparser.RawConfigParser()
    parser.read_file(io.StringIO(text, newline=None))
    tags = {}
    for name in parser.sections():
        section = dict(parser.items(name))
        if name == "mfa" or name.endswith("-mfa"):
            tags[name] = tag_of(section)
        elif name in EDITED or name == "unlocked":
            assert set(section) == {"aws_access_key_id", "aws_secret_access_key", "note"}
            assert section == edited_values(name, int(section["note"].split()[1]))
            tags[name] = int(section["note"].split()[1])
    return tags


def initial_text():
    return HEADER + LONG_TERM + "".join(
        f"\n[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in edited_values(name, 0).items())
        for name in EDITED + ["unlocked"])


# --- the writers (module level: run in other processes) ---------------------------------------


def awsmfa_writer(home, writer, rounds, start):
    start.wait()
    environ = {"HOME": home}
    for round_number in range(1, rounds + 1):
        write_session(environ, "mfa", session_of(writer, round_number), SOURCE, 3600)
        write_session(environ, f"w{writer}-mfa", session_of(writer, round_number), SOURCE, 3600)


def locked_editor(home, rounds, start):
    """Another awsmfa-like writer: the same lock, the same line editor."""
    start.wait()
    path = os.path.join(home, ".aws", "credentials")
    for round_number in range(1, rounds + 1):
        for name in EDITED:
            with fileio.locked(path):
                document = IniDocument(fileio.read_text(path), path)
                fileio.write_atomic(path, document.with_section(name, edited_values(name, round_number)), mode=0o600)


def unlocked_editor(home, rounds, start):
    """Another tool: read, edit, write a temporary file of its own naming and rename it over
    the file. Atomic, but it takes no lock."""
    start.wait()
    path = os.path.join(home, ".aws", "credentials")
    for round_number in range(1, rounds + 1):
        with open(path) as handle:
            text = IniDocument(handle.read()).with_section("unlocked", edited_values("unlocked", round_number))
        fd, temp = tempfile.mkstemp(prefix="credentials.", suffix=".othertool", dir=os.path.dirname(path))
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(temp, path)
        time.sleep(0.002)


def run_writers(home, with_unlocked):
    """Start every writer at once; sample the file until they are done. (samples, last tags)."""
    context = multiprocessing.get_context("forkserver")
    start = context.Event()
    workers = [context.Process(target=awsmfa_writer, args=(home, writer, ROUNDS, start)) for writer in range(PROCESSES)]
    workers.append(context.Process(target=locked_editor, args=(home, ROUNDS, start)))
    if with_unlocked:
        workers.append(context.Process(target=unlocked_editor, args=(home, ROUNDS * 4, start)))
    for worker in workers:
        worker.start()
    start.set()
    path = os.path.join(home, ".aws", "credentials")
    samples = 0
    deadline = time.monotonic() + tiers.rounds(120)
    while any(worker.is_alive() for worker in workers):
        with open(path) as handle:
            check_snapshot(handle.read())
        samples += 1
        assert time.monotonic() < deadline, "writers did not finish"
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0, f"a writer failed (exit {worker.exitcode})"
    with open(path) as handle:
        final = handle.read()
    return samples, check_snapshot(final)


@pytest.fixture
def home(tmp_path):
    folder = tmp_path / "home" / ".aws"
    folder.mkdir(parents=True)
    (folder / "credentials").write_text(initial_text())
    return str(tmp_path / "home")


def lost_updates(tags, with_unlocked):
    """Profiles that do not hold their writer's last round."""
    lost = [f"w{writer}-mfa" for writer in range(PROCESSES) if tags.get(f"w{writer}-mfa") != (writer, ROUNDS)]
    lost += [name for name in EDITED if tags.get(name) != ROUNDS]
    if tags.get("mfa", (None, None))[1] != ROUNDS:
        lost.append("mfa")
    if with_unlocked and tags.get("unlocked") != ROUNDS * 4:
        lost.append("unlocked")
    return lost


def test_parallel_writers_through_the_lock_lose_nothing(home):
    started = time.monotonic()
    samples, tags = run_writers(home, with_unlocked=False)
    took = time.monotonic() - started
    lost = lost_updates(tags, with_unlocked=False)
    folder = os.path.join(home, ".aws")
    assert sorted(os.listdir(folder)) == ["credentials"]  # no temporary file left
    assert stat.S_IMODE(os.stat(os.path.join(folder, "credentials")).st_mode) == 0o600
    FIGURES["locked: awsmfa writer processes x rounds"] = f"{PROCESSES} x {ROUNDS} (2 session writes a round)"
    FIGURES["locked: writes (awsmfa + other profiles)"] = f"{PROCESSES * ROUNDS * 2} + {ROUNDS * len(EDITED)} in {took:.1f} s"
    FIGURES["locked: file versions sampled while writing, all intact"] = samples
    FIGURES["locked: lost updates"] = len(lost)
    assert lost == []


def test_a_writer_without_the_lock_can_lose_updates_but_never_a_profile(home):
    samples, tags = run_writers(home, with_unlocked=True)
    lost = lost_updates(tags, with_unlocked=True)
    FIGURES["unlocked atomic writer too: file versions sampled, all intact"] = samples
    FIGURES["unlocked atomic writer too: profiles whose last update was lost (last writer wins)"] = len(lost)
    # Every profile is there and complete (check_snapshot), [mfa] one session from one write.
    assert set(tags) >= {"mfa", "unlocked", *EDITED, *(f"w{writer}-mfa" for writer in range(PROCESSES))}


# --- real `awsmfa login` processes against the local AWS ---------------------------------------


def make_users(local_aws, count):
    """IAM users with an access key and an enabled virtual MFA device each (no policy needed
    for GetSessionToken)."""
    iam = local_aws.client("iam")
    users = []
    for number in range(count):
        name = f"parallel{number}"
        iam.create_user(UserName=name)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
        seed = device["Base32StringSeed"]
        seed = seed.decode() if isinstance(seed, bytes) else seed
        now = local_aws.now()
        iam.enable_mfa_device(UserName=name, SerialNumber=device["SerialNumber"],
                              AuthenticationCode1=mfa.code_at(seed, now - mfa.STEP_SECONDS),
                              AuthenticationCode2=mfa.code_at(seed, now))
        users.append((name, key["AccessKeyId"], key["SecretAccessKey"], device["SerialNumber"]))
    return users


def test_parallel_awsmfa_logins_leave_one_complete_session(tmp_path, local_aws):
    count, rounds = 4, (10 if tiers.SOAK else 3)
    users = make_users(local_aws, count)
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    long_term = HEADER + LONG_TERM + "".join(
        f"\n[{name}]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n" for name, key, secret, _ in users)
    user.write_credentials(long_term)
    user.write_config("".join(f"[profile {name}]\nmfa_serial = {serial}\n" for name, _, _, serial in users))
    context = multiprocessing.get_context("forkserver")
    start = context.Event()
    editor = context.Process(target=locked_editor, args=(user.home, 1000, start))
    start.set()
    editor.start()  # edits [work], [prod]... under the lock while the logins run
    try:
        for round_number in range(rounds):
            local_aws.clock_offset += mfa.STEP_SECONDS  # a new step: a fresh code for every device
            since = local_aws.now()
            runs = [subprocess.Popen(AWSMFA + ["login", "--profile", name, "--update-profile", "shared", "--force",
                                               "--token-code", local_aws.fresh_code(serial)],
                                     env=user.environ(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                    for name, _, _, serial in users]
            for process in runs:
                _, err = process.communicate(timeout=120)
                assert process.returncode == 0, err
            text = user.read_credentials()
            assert text.startswith(long_term)  # the source profiles, byte for byte
            parser = configparser.RawConfigParser()
            parser.read_string(text)
            shared = dict(parser.items("shared"))
            issued = local_aws.sessions.get(shared["aws_access_key_id"])
            assert issued is not None and issued.issued_at >= since
            assert (shared["aws_secret_access_key"], shared["aws_session_token"]) == (
                issued.secret_access_key, issued.session_token)
            assert shared["awsmfa_source_profile"] == issued.user_name
    finally:
        editor.terminate()
        editor.join()
    assert len(local_aws.sessions.all()) == count * rounds
    assert user.credentials_mode() == 0o600
    FIGURES["real awsmfa login processes x rounds (one shared profile)"] = f"{count} x {rounds}, losses 0"
