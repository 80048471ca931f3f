"""Finding aws_completer: PATH, next to aws, the known folders; a version manager's shim is
looked behind; a completer that does not answer is passed over."""
import os

from awsshell_setup import completer

FAKE = '#!/bin/sh\n[ "$COMP_LINE" = "aws " ] && echo ec2\n'


def _exe(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return str(path)


def test_a_pyenv_style_shim_is_resolved_to_the_program_behind_it(tmp_path):
    real = _exe(tmp_path / "versions" / "3.11" / "bin" / "aws_completer", FAKE)
    manager = _exe(tmp_path / "libexec" / "pyenv",
                   f'#!/bin/sh\n[ "$1" = which ] && [ "$2" = aws_completer ] && echo {real}\n')
    shim = _exe(tmp_path / "shims" / "aws_completer",
                '#!/usr/bin/env bash\nset -e\nprogram="${0##*/}"\nexport PYENV_ROOT="/nowhere"\n'
                f'exec "{manager}" exec "$program" "$@"\n')
    env = {"PATH": str(tmp_path / "shims") + ":/usr/bin:/bin", "HOME": str(tmp_path)}
    found = completer.candidates(env, str(tmp_path))
    assert found[0][0] == real and "behind the shim" in found[0][1]
    assert (shim, "on PATH") in found
    assert completer.find(env, str(tmp_path))[0].path == real


def test_next_to_aws_and_symlinks_kept(tmp_path):
    v2 = tmp_path / "aws-cli" / "v2" / "2.15.0" / "bin"
    _exe(v2 / "aws", "#!/bin/sh\n")
    _exe(v2 / "aws_completer", FAKE)
    links = tmp_path / "local-bin"
    links.mkdir()
    (links / "aws").symlink_to(v2 / "aws")
    (links / "aws_completer").symlink_to(v2 / "aws_completer")
    env = {"PATH": f"{links}:/usr/bin:/bin", "HOME": str(tmp_path)}
    found, _ = completer.find(env, str(tmp_path))
    # The link, not the versioned folder it points into (that changes on every update).
    assert found.path == str(links / "aws_completer")


def test_a_completer_that_does_not_answer_is_passed_over(tmp_path):
    broken = _exe(tmp_path / "a" / "aws_completer", "#!/bin/sh\necho 'pyenv: aws_completer: command not found' >&2\n"
                                                  "exit 127\n")
    home = tmp_path / "home"
    good = _exe(home / ".local" / "bin" / "aws_completer", FAKE)
    env = {"PATH": f"{tmp_path / 'a'}:/usr/bin:/bin", "HOME": str(home)}
    found, failed = completer.find(env, str(home))
    if found.path != good:  # a real completer in /usr/bin or /usr/local/bin would come first
        assert os.path.dirname(found.path) in ("/usr/bin", "/usr/local/bin")
    assert failed[0].path == broken and "command not found" in failed[0].problem


def test_given_bare_name_is_looked_up_at_each_tab(tmp_path):
    _exe(tmp_path / "bin" / "aws_completer", FAKE)
    found = completer.given("aws_completer", {"PATH": str(tmp_path / "bin")})
    assert found.path == "aws_completer" and found.answers and "looked up on PATH" in found.how
    missing = completer.given("aws_completer", {"PATH": str(tmp_path / "nothing")})
    assert not missing.answers and "not found" in missing.problem
