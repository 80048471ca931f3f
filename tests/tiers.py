"""The test suite's tiers (docs/ARCHITECTURE.md §6), in one place.

Markers (registered in setup.cfg, checked with --strict-markers):

* ``localaws``  talks to the local AWS over HTTP: every test that uses the ``local_aws``
                fixture gets it, by construction;
* ``shells``    starts real bash, zsh, fish or dash (templates, interactive sessions);
* ``slow``      property, concurrency, crash, soak and end-to-end suites: everything that
                is not a quick check of one behaviour. ``python -m pytest -m "not slow"`` is
                the fast tier.

A module declares ``shells`` and ``slow`` itself, with ``pytestmark``. The reliability suites
scale their rounds with ``rounds()``, and Hypothesis tests take their example counts from the
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
                                         HealthCheck.filter_too_much])
    settings.register_profile("quick", max_examples=30, **common)
    settings.register_profile("ci", max_examples=400, **common)
    settings.register_profile("soak", max_examples=400 * SOAK_FACTOR, **common)
    settings.load_profile("soak" if SOAK else "ci")


def rounds(normal):
    """How many rounds, kills or processes a reliability suite runs: ten times more with --soak."""
    return normal * SOAK_FACTOR if SOAK else normal


def mark(items):
    import pytest

    for item in items:
        if "local_aws" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.localaws)
