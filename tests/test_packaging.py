"""The package as users install it: the templates (awsshell_setup/shells/templates/) inside the wheel,
the console script, and `python -m awsshell_setup`."""
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_carries_the_shell_templates_and_the_console_script(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    templates = [path.name for path in (ROOT / "awsshell_setup" / "shells" / "templates").iterdir() if path.is_file()]
    assert {"bash.bash", "zsh.zsh", "fish.fish"} <= set(templates)
    for template in templates:  # every file there, whatever its name: no list to keep
        assert f"awsshell_setup/shells/templates/{template}" in names
    assert "awsshell_setup/localaws/server.py" in names
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    assert "awsmfa = awsshell_setup.__main__:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "awsshell_setup", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("awsmfa, version ")


def test_templates_are_found_through_the_package():
    from awsshell_setup.shells import templates

    folder = Path(templates.__file__).parent
    assert {path.name for path in folder.iterdir()} >= {"bash.bash", "zsh.zsh", "fish.fish"}
