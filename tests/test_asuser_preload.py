"""The --user child's preload (awsshell_setup/setup/asuser.py, docs/ARCHITECTURE.md §4): before
it drops root, it imports every module of the package and of each subpackage, but those the
job never needs (botocore's user, the local AWS, the console script), since the package may sit
where the account cannot read it. Run in a fresh Python, so what it imports is all it did."""
import subprocess
import sys

CHILD = r'''
import os, sys
import awsshell_setup
from awsshell_setup.setup import asuser

asuser._preload()
top = os.path.dirname(awsshell_setup.__file__)
for here, folders, names in os.walk(top):
    folders[:] = sorted(name for name in folders if name != "__pycache__")
    relative = os.path.relpath(here, top)
    package = "awsshell_setup" + ("" if relative == os.curdir else "." + relative.replace(os.sep, "."))
    for name in sorted(names):
        if name.endswith(".py"):
            module = package if name == "__init__.py" else package + "." + name[:-3]
            if asuser._skipped(module):
                print("skipped", module, module in sys.modules)
            elif module not in sys.modules:
                print("missing", module)
print("botocore", "botocore" in sys.modules)
'''


def preload_report():
    result = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_the_preload_imports_every_module_of_every_subpackage_and_skips_what_the_job_never_needs():
    report = preload_report()
    assert [line for line in report if line.startswith("missing")] == []
    skipped = [line for line in report if line.startswith("skipped")]
    assert "skipped awsshell_setup.sessions.sts False" in skipped
    assert "skipped awsshell_setup.localaws False" in skipped and "skipped awsshell_setup.__main__ False" in skipped
    assert "botocore False" in report
