"""The test suite's tiers (docs/ARCHITECTURE.md §6), in one place.

Markers (registered in setup.cfg, checked with --strict-markers):

* ``localaws``  talks to the local AWS over HTTP: every test that uses the ``local_aws``
                fixture gets it, by construction;
* ``shells``    starts real bash, zsh, fish or dash (templates, interactive sessions);
* ``slow``      property, concurrency, crash, soak and end-to-end suites: everything that
                is not a quick check of one behaviour. ``python -m pytest -m "not slow"`` is
                the fast tier.

Which modules are fast, and which drive real shells, is said once, in the tables below: a
new module is slow until it is listed as fast (a fast tier that silently grows slow is worse
than a short one). The reliability suites scale their rounds with ``rounds()``, and Hypothesis tests take their example counts from the
profile loaded here: ``ci`` by default, ``soak`` with ``--soak``; any other registered profile
with Hypothesis's own ``--hypothesis-profile NAME`` (``quick`` for a smoke run).
"""
SOAK = False
SOAK_FACTOR = 10


def configure(soak):
    global SOAK
    SOAK = bool(soak)
    from hypothesis import HealthCheck, settings

    common = dict(deadline=None, derandomize=False, print_blob=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                         HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])
    settings.register_profile("quick", max_examples=30, **common)
    settings.register_profile("ci", max_examples=400, **common)
    settings.register_profile("soak", max_examples=400 * SOAK_FACTOR, **common)
    settings.load_profile("soak" if SOAK else "ci")


def rounds(normal):
    """How many rounds, kills or processes a reliability suite runs: ten times more with --soak."""
    return normal * SOAK_FACTOR if SOAK else normal


# The fast tier: direct unit tests of the core rules (reuse margins and the choice of source and
# names: test_plan_resolution; retries and the block format: test_rules_unit; the completer's
# choice: test_install_completer), the offline suites, and one smoke test per command
# (test_commands_smoke). No local AWS, no property or concurrency rounds, no suite whose subject
# is a real shell (SHELLS below is never fast: `-m shells` is that tier). Serially, at most 15 s
# on an idle 2-core machine; the command suites of install and status ask real shells whether
# they find awsmfa, so they are slow.
FAST = {
    "test_architecture", "test_cli_usage", "test_env_offline", "test_errors", "test_fileio_lock", "test_inifile",
    "test_install_completer", "test_roles_sessions", "test_devicechoice", "test_rotate_journal", "test_keys_process",
    "test_plan_resolution", "test_commands_smoke", "test_rules_unit", "test_glue_summary", "test_asuser_preload",
}
# Modules whose subject is a real shell: templates run by bash, zsh, fish and dash, and
# interactive sessions driven through a pseudo-terminal.
SHELLS = {
    "test_readme", "test_roles_e2e", "test_seed_e2e", "test_session_aws_profile", "test_shells_detection",
    "test_shells_fish_config_cli", "test_shells_interactive", "test_shells_login_files", "test_shells_templates",
    "test_tokencode_interactive", "test_rc_hostile", "test_shells_prompt", "test_completer_clis",
    "test_install_asuser_terminal", "test_shells_bash_completion_fallback", "test_install_bare_name",
    "test_root_escapes", "test_fleet_cloudconfig", "test_rotate_interactive",
    "test_session_roothome", "test_session_default_profile", "test_roles_sources", "test_hostile_tab_quoting",
    "test_first_login_shell", "test_first_path", "test_first_zsh_dump_e2e", "test_glue_keys_store",
}


# Suites whose assertions bound time or count processes racing each other: under
# `-n 2 --dist loadgroup` (setup.cfg) they share one worker, so two of them never load the
# machine at once; each still asserts bounds that hold on a busy machine.
TIMING = {"test_sts_faults", "test_session_concurrency", "test_session_crash", "test_rc_concurrency", "test_rc_crash",
          "test_session_parallel_prompt", "test_install_asuser_race", "test_root_waits", "test_root_linear",
          "test_keys_process", "test_rotate_crash", "test_hostile_linear"}


assert not FAST & SHELLS, FAST & SHELLS  # a real-shell suite is never in the fast tier


def mark(items):
    import pytest

    for item in items:
        module = item.module.__name__.rpartition(".")[2] if getattr(item, "module", None) else ""
        if module not in FAST:
            item.add_marker(pytest.mark.slow)
        if module in SHELLS:
            item.add_marker(pytest.mark.shells)
        if "local_aws" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.localaws)
        if module in TIMING:
            item.add_marker(pytest.mark.xdist_group("timing"))
