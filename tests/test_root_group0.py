"""Group 0 is not root (docs/ARCHITECTURE.md §4; rootpolicy's rules 1 and 3), on a real account
that is a member of group root, as some images make their users.

On Linux, membership in group 0 grants nothing but what the group bits give: such an account
cannot become root, yet it can replace what a root-owned folder of mode 0775 holds. So root
neither runs a program from such a folder nor writes into it.
"""
import os
import subprocess

from awsshell_setup.core import rootpolicy
from awsshell_setup.core.errors import UsageError

from accounts import account, root_owned_folder  # noqa: F401 (fixture)


def _in_group_root(account):
    subprocess.run(["usermod", "-aG", "root", account.name], check=True, capture_output=True, timeout=60)


def test_a_folder_group_root_may_write_is_open_to_its_members(account, tmp_path, monkeypatch):
    _in_group_root(account)
    shared = root_owned_folder(account, "group-root-bin", mode=0o775)
    os.chown(shared, 0, 0)
    program = os.path.join(shared, "aws_completer")
    with open(program, "w") as handle:
        handle.write("#!/bin/sh\necho s3\n")
    os.chmod(program, 0o755)
    # Root runs nothing from there, and writes nothing there: its members may replace what it holds.
    why = rootpolicy.run_refusal(program)
    assert why == f"{shared} is writable by group root", why
    monkeypatch.setenv("HOME", root_owned_folder(account, "roothome"))
    try:
        rootpolicy.check_not_anothers(os.path.join(shared, ".bashrc"))
    except UsageError as error:
        assert f"{shared} is writable by group root" in str(error), error
    else:
        raise AssertionError("root would write into a folder group root may write")
    # And the threat is real: the account, as itself, swaps root's program for its own.
    swapped = account.run(["sh", "-c", f"printf '#!/bin/sh\\nid -u\\n' > {program}.new && mv {program}.new {program}"])
    assert swapped.returncode == 0, swapped.stderr
