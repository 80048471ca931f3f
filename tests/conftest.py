"""Shared fixtures: the local AWS (moto + MFA checks) and the seed scenario on it.

* ``local_aws``   a started :class:`LocalAWS`, reset before each test (clean moto state, no
                  sessions or used codes, ``clock_offset`` 0). One HTTP server serves the
                  whole test session: moto's state is process-global anyway.
* ``seed_user``   the seed scenario (an IAM user whose policy demands MFA to stop instances; see the README) freshly provisioned on it.
* ``user``        a throwaway HOME whose ``~/.aws`` holds the seed user's keys and MFA device
                  (``awsenv.AwsUser``; a module may define its own ``user`` on top of it)
* ``aws_cli``     runs the real ``aws`` command against it, with the seed user's files and an
                  environment scrubbed of the caller's ``AWS_*`` variables and ``~/.aws``.

Tiers (docs/ARCHITECTURE.md §6): the markers ``shells``, ``localaws`` and ``slow``, the
``--soak`` option and the Hypothesis profiles are set up here; see ``tiers.py``.
"""


import pytest

from awsshell_setup.localaws import LocalAWS, provision_seed
from awsshell_setup.localaws.commands import write_files
from awscli import AwsCliRunner
from awsenv import AwsUser, seed_user_files

import tiers


def pytest_addoption(parser):
    parser.addoption("--soak", action="store_true",
                     help="awsmfa: ten times the rounds, kills and examples of the reliability suites "
                          "(about ten minutes more)")


def pytest_configure(config):
    tiers.configure(soak=config.getoption("--soak"))


def pytest_collection_modifyitems(config, items):
    tiers.mark(items)


@pytest.fixture(scope="session")
def _local_aws_server():
    local = LocalAWS()
    local.start()
    yield local
    local.stop()


@pytest.fixture
def local_aws(_local_aws_server):
    _local_aws_server.reset()
    yield _local_aws_server
    _local_aws_server.clock_offset = 0.0


@pytest.fixture
def seed_user(local_aws):
    return provision_seed(local_aws)


@pytest.fixture
def user(tmp_path, local_aws, seed_user):
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    seed_user_files(user, seed_user)
    return user


@pytest.fixture
def aws_cli(local_aws, seed_user, tmp_path):
    folder = tmp_path / "localaws"
    folder.mkdir()
    paths = write_files(str(folder), local_aws, seed_user)
    return AwsCliRunner(tmp_path, local_aws.endpoint_url, paths["credentials"], paths["config"], seed_user.region)


def _figures_here():
    """(module, key, value) of each figure the reliability suites gathered in this process (a
    module-level dict FIGURES in a test module: examples generated, processes x rounds, kills,
    losses...)."""
    import sys

    return [(name, key, value) for name, module in sorted(sys.modules.items())
            if name.startswith("test_") and isinstance(getattr(module, "FIGURES", None), dict)
            for key, value in module.FIGURES.items()]


_FROM_WORKERS = []


def pytest_sessionfinish(session):
    """Under pytest-xdist the suites run in worker processes: each sends its figures back."""
    import json

    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["awsmfa_figures"] = json.dumps(_figures_here())


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    import json

    _FROM_WORKERS.append(json.loads(getattr(node, "workeroutput", {}).get("awsmfa_figures", "[]")))


def merged_figures(runs):
    """One table from the figures of several processes: counts add up; a text figure is the
    one a process set (every process imports every module, so each starts from the same zeros)."""
    table = {}
    for rows in runs:
        for name, key, value in rows:
            seen = table.get((name, key))
            if seen is None or seen in (0, "", None):
                table[(name, key)] = value
            elif isinstance(seen, int) and isinstance(value, int):
                table[(name, key)] = seen + value
            elif value not in (0, "", None) and value != seen:
                table[(name, key)] = f"{seen}; {value}"
    return [(name, key, value) for (name, key), value in table.items()]


def pytest_terminal_summary(terminalreporter):
    """Print the figures the reliability suites gathered, so CI output shows them."""
    rows = merged_figures(_FROM_WORKERS) if _FROM_WORKERS else _figures_here()
    if rows:
        terminalreporter.write_sep("-", "reliability figures")
        for name, key, value in rows:
            terminalreporter.write_line(f"{name}: {key}: {value}")
