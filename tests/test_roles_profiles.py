"""Role profiles read the way botocore reads them, and the ones awsmfa refuses.

* Hypothesis generates profile graphs as people write them (roles, chains, roles holding their
  own keys, keys split between the config and credentials files, sources that are missing,
  empty or loops) and compares awsmfa's reading with botocore's own AssumeRoleProvider run on
  the same files: which roles are assumed, in which order, signed with which keys, with which
  ExternalId, RoleSessionName, SerialNumber and DurationSeconds; and that a profile botocore
  refuses is refused too. botocore's STS client is replaced by a recorder (no network): the
  AssumeRole parameters botocore would send are what is compared.
* Hostile and broken profiles are each refused in one line, before anything else happens.

The number of generated configurations is printed in the test summary (conftest.py).
"""
import collections
import datetime as dt
import os
import tempfile

import botocore.exceptions
import botocore.session
import pytest
from botocore.credentials import AssumeRoleProvider, CanonicalNameCredentialSourcer, ProfileProviderBuilder
from hypothesis import given
from hypothesis import strategies as st

from awsenv import role_chain_of_n
from awsshell_setup.sessions import roleprofiles
from awsshell_setup.core.errors import ProfileProblem, UsageError
from awsshell_setup.sessions.profiles import AwsFiles

FIGURES = collections.Counter()  # printed by conftest.pytest_terminal_summary

FAR = dt.datetime(2099, 1, 1, tzinfo=dt.timezone.utc)


# --- botocore's reading, with its STS calls recorded ----------------------------------------


class RecordingSts:
    """Stands in for the STS client botocore's AssumeRoleCredentialFetcher creates: records the
    key it was built with and the AssumeRole parameters, answers with keys naming the role."""

    def __init__(self, calls, access_key):
        self.calls, self.access_key = calls, access_key

    def assume_role(self, **parameters):
        self.calls.append((self.access_key, parameters))
        arn = parameters["RoleArn"]
        return {"Credentials": {"AccessKeyId": "ASIA:" + arn, "SecretAccessKey": "secret", "SessionToken": "token",
                                "Expiration": FAR},
                "AssumedRoleUser": {"Arn": "arn:aws:sts::123456789012:assumed-role/r/s", "AssumedRoleId": "AROA:s"}}


def botocore_reading(config_path, credentials_path, name):
    """('role', [(signing key, AssumeRole parameters), ...]) | ('plain', None) | ('refused', error name)."""
    session = botocore.session.Session()
    session.set_config_variable("config_file", config_path)
    session.set_config_variable("credentials_file", credentials_path)
    calls, prompts = [], []

    def client_creator(service, aws_access_key_id=None, **_):
        assert service == "sts"
        return RecordingSts(calls, aws_access_key_id)

    provider = AssumeRoleProvider(
        load_config=lambda: session.full_config, client_creator=client_creator, cache={}, profile_name=name,
        prompter=lambda prompt: prompts.append(prompt) or "123456",
        credential_sourcer=CanonicalNameCredentialSourcer([]),
        profile_provider_builder=ProfileProviderBuilder(session))
    try:
        credentials = provider.load()
        if credentials is None:
            return "plain", None
        credentials.get_frozen_credentials()
    except botocore.exceptions.BotoCoreError as error:
        return "refused", type(error).__name__
    return "role", [(key, {k: v for k, v in params.items() if k != "TokenCode"}) for key, params in calls]


def awsmfa_reading(files, name):
    """The same shape from roleprofiles.role_chain and the source's long-term keys, as mfasession.py uses them."""
    try:
        chain = roleprofiles.role_chain(files, name)
        if chain is None:
            return "plain", None
        source = files.source_profile(chain.source)
    except ProfileProblem as error:
        return "refused", str(error)
    calls, key = [], source.access_key_id
    for hop in chain.hops:
        parameters = {"RoleArn": hop.role_arn}
        for parameter, value in (("RoleSessionName", hop.role_session_name), ("ExternalId", hop.external_id),
                                 ("SerialNumber", hop.mfa_serial), ("DurationSeconds", hop.duration_seconds)):
            if value is not None:
                parameters[parameter] = value
        calls.append((key, parameters))
        key = "ASIA:" + hop.role_arn
    return "role", calls


def without_default_session_names(calls):
    """botocore names a session botocore-session-<time> when role_session_name is not set."""
    result = []
    for key, parameters in calls:
        parameters = dict(parameters)
        if parameters.get("RoleSessionName", "").startswith("botocore-session-"):
            del parameters["RoleSessionName"]
        result.append((key, parameters))
    return result


# --- generated configurations ---------------------------------------------------------------

NAMES = ["default", "base", "jump", "prod", "audit", "ops"]
ROLE_SETTINGS = {
    "external_id": st.sampled_from(["ext-1", "Partner:42/a", "x" * 40]),
    "role_session_name": st.sampled_from(["alice", "alice@example.com", "ci.run=1"]),
    "duration_seconds": st.integers(900, 43200).map(str),
    "mfa_serial": st.sampled_from(["arn:aws:iam::111111111111:mfa/alice", "arn:aws:iam::222222222222:mfa/bob"]),
    "region": st.sampled_from(["eu-west-1", "us-east-2"]),
}


@st.composite
def profile_graphs(draw):
    """{profile: {key: (value, 'config'|'credentials'|'both', other value)}}: each key lands in one
    of the two files or in both, with another value in the credentials file (botocore merges
    the two files, the credentials file's key winning)."""
    graph = {}
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=6, unique=True))
    for index, name in enumerate(names):
        kind = draw(st.sampled_from(["keys", "keys", "role", "role", "role", "role", "role+keys", "bare",
                                     "partial-keys"]))
        keys = {}
        if kind in ("keys", "role+keys"):
            keys["aws_access_key_id"] = f"AKIA{name.upper()}{index}"
            keys["aws_secret_access_key"] = f"secret-{name}"
        if kind == "partial-keys":
            keys[draw(st.sampled_from(["aws_access_key_id", "aws_secret_access_key"]))] = "half"
        if kind == "bare":
            keys["region"] = "eu-central-1"
        if kind.startswith("role"):
            account = draw(st.sampled_from(["111111111111", "222222222222"]))
            path = draw(st.sampled_from(["", "team/", "a/b-c/"]))
            keys["role_arn"] = f"arn:aws:iam::{account}:role/{path}{name}-role"
            # Mostly a profile further down the list (chains that end), sometimes anything (loops).
            below = names[index + 1:] * 6
            keys["source_profile"] = draw(st.sampled_from(below + names + ["missing"]))
            for key, values in ROLE_SETTINGS.items():
                if draw(st.booleans()):
                    keys[key] = draw(values)
        placed = {}
        for key, value in keys.items():
            place = draw(st.sampled_from(["config", "config", "credentials", "both"]))
            # In both files with different values: botocore takes the credentials file's.
            if key == "source_profile":
                other = draw(st.sampled_from(names[index + 1:] * 6 + names + ["missing"]))
            elif key == "duration_seconds":
                other = str(draw(st.integers(900, 43200)))
            else:
                other = value.replace("111111111111", "333333333333").replace("222222222222", "333333333333") + "3"
            placed[key] = (value, place, other)
        graph[name] = placed
    return graph


def render(graph):
    """(config text, credentials text) holding the graph."""
    config, credentials = [], []
    for name, keys in graph.items():
        for where, lines in (("config", config), ("credentials", credentials)):
            own = [(key, other if place == "both" and where == "credentials" else value)
                   for key, (value, place, other) in keys.items() if place in (where, "both")]
            if not own and where == "credentials":
                continue
            header = name if where == "credentials" or name == "default" else f"profile {name}"
            lines.append(f"[{header}]\n" + "".join(f"{key} = {value}\n" for key, value in own))
    return "\n".join(config), "\n".join(credentials)


class Files:
    """A folder with a config and a credentials file, and the environment naming them."""

    def __init__(self, folder, config="", credentials=""):
        self.config_path = os.path.join(folder, "config")
        self.credentials_path = os.path.join(folder, "credentials")
        for path, text in ((self.config_path, config), (self.credentials_path, credentials)):
            with open(path, "w") as handle:
                handle.write(text)
        self.environ = {"HOME": folder, "AWS_CONFIG_FILE": self.config_path,
                        "AWS_SHARED_CREDENTIALS_FILE": self.credentials_path}

    def aws_files(self):
        return AwsFiles(self.environ)


@pytest.mark.slow
@given(graph=profile_graphs(), data=st.data())  # examples: the Hypothesis profile of tests/tiers.py
def test_role_profiles_read_as_botocore_reads_them(graph, data):
    roles_first = sorted(graph, key=lambda profile: "role_arn" not in graph[profile])
    name = data.draw(st.sampled_from(roles_first[:1] * 6 + sorted(graph) + ["missing"]))
    config, credentials = render(graph)
    with tempfile.TemporaryDirectory() as folder:
        files = Files(folder, config, credentials)
        theirs = botocore_reading(files.config_path, files.credentials_path, name)
        ours = awsmfa_reading(files.aws_files(), name)
    FIGURES["role configurations compared with botocore"] += 1
    FIGURES[f"  of which botocore: {theirs[0]}"] += 1
    assert ours[0] == theirs[0], (config, credentials, name, theirs, ours)
    if ours[0] == "role":
        FIGURES[f"  of which chains of {len(ours[1])} role(s) read alike"] += 1
        assert ours[1] == without_default_session_names(theirs[1]), (config, credentials, name)
    if ours[0] == "refused":
        assert "\n" not in ours[1]


# --- what is read, one case at a time -------------------------------------------------------

BASE = "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = basesecret\n"


def chain_of(config, credentials=BASE, name="prod", tmp_path=None):
    files = Files(str(tmp_path), config, credentials)
    return roleprofiles.role_chain(files.aws_files(), name)


def test_a_role_with_its_settings(tmp_path):
    chain = chain_of("[profile prod]\nrole_arn = arn:aws:iam::111111111111:role/ops\nsource_profile = base\n"
                     "external_id = ext-1\nrole_session_name = alice\nduration_seconds = 7200\n"
                     "mfa_serial = arn:aws:iam::123456789012:mfa/alice\nregion = eu-west-1\n", tmp_path=tmp_path)
    assert chain.source == "base" and chain.profile == "prod" and chain.region == "eu-west-1"
    assert chain.hops == [roleprofiles.RoleHop("prod", "arn:aws:iam::111111111111:role/ops", "ext-1", "alice", 7200,
                                               "arn:aws:iam::123456789012:mfa/alice", "eu-west-1")]
    assert (chain.mfa_serial, chain.mfa_serial_profile) == ("arn:aws:iam::123456789012:mfa/alice", "prod")


def test_a_chain_is_assumed_bottom_first_and_the_nearest_mfa_serial_counts(tmp_path):
    chain = chain_of("[profile jump]\nrole_arn = arn:aws:iam::111111111111:role/jump\nsource_profile = base\n"
                     "mfa_serial = arn:aws:iam::123456789012:mfa/alice\n"
                     "[profile prod]\nrole_arn = arn:aws:iam::222222222222:role/prod\nsource_profile = jump\n",
                     tmp_path=tmp_path)
    assert [hop.profile for hop in chain.hops] == ["jump", "prod"] and chain.source == "base"
    assert (chain.mfa_serial, chain.mfa_serial_profile) == ("arn:aws:iam::123456789012:mfa/alice", "jump")
    assert chain.role_arn == "arn:aws:iam::222222222222:role/prod"


def test_a_plain_profile_is_not_a_role(tmp_path):
    assert chain_of("[profile base]\nregion = eu-west-1\n", name="base", tmp_path=tmp_path) is None
    assert chain_of("", name="nosuch", tmp_path=tmp_path) is None


def test_a_role_holding_its_own_keys_may_be_its_own_source(tmp_path):
    chain = chain_of("[profile prod]\nrole_arn = arn:aws:iam::111111111111:role/ops\nsource_profile = prod\n",
                     credentials="[prod]\naws_access_key_id = AKIAPROD\naws_secret_access_key = s\n",
                     tmp_path=tmp_path)
    assert chain.source == "prod" and [hop.profile for hop in chain.hops] == ["prod"]


def test_role_mfa_mode_flag_then_profile_then_shared(tmp_path):
    role = "[profile prod]\nrole_arn = arn:aws:iam::111111111111:role/ops\nsource_profile = base\n"
    chain = chain_of(role, tmp_path=tmp_path)
    assert roleprofiles.role_mfa_mode(None, chain) == "shared"
    assert roleprofiles.role_mfa_mode("per-role", chain) == "per-role"
    chain = chain_of(role + "awsmfa_role_mfa = per-role\n", tmp_path=tmp_path)
    assert roleprofiles.role_mfa_mode(None, chain) == "per-role"
    assert roleprofiles.role_mfa_mode("shared", chain) == "shared"
    with pytest.raises(UsageError):
        roleprofiles.role_mfa_mode("sometimes", chain)


def test_role_durations_are_capped_at_an_hour_when_chained(tmp_path):
    chain = chain_of("[profile jump]\nrole_arn = arn:aws:iam::111111111111:role/jump\nsource_profile = base\n"
                     "duration_seconds = 28800\n"
                     "[profile prod]\nrole_arn = arn:aws:iam::222222222222:role/prod\nsource_profile = jump\n"
                     "duration_seconds = 7200\n", tmp_path=tmp_path)
    assert roleprofiles.role_durations(chain, "shared") == [3600, 3600]
    assert roleprofiles.role_durations(chain, "per-role") == [28800, 3600]


# --- refused, in one line, before anything ---------------------------------------------------

ROLE = "role_arn = arn:aws:iam::111111111111:role/ops\n"


HOSTILE = {
    "source_profile loop": ("[profile prod]\n" + ROLE + "source_profile = a\n[profile a]\n" + ROLE
                            + "source_profile = b\n[profile b]\n" + ROLE + "source_profile = prod\n",
                            "source_profile loop: [prod] -> [a] -> [b] -> [prod]"),
    "self loop without keys": ("[profile prod]\n" + ROLE + "source_profile = prod\n", "names itself"),
    "missing source": ("[profile prod]\n" + ROLE + "source_profile = nowhere\n", "source_profile [nowhere]"),
    "no source at all": ("[profile prod]\n" + ROLE, "no source_profile"),
    "chain of 20": (role_chain_of_n(20).replace("[profile r0]", "[profile prod]"), "chains more than 10 roles"),
    "credential_source": ("[profile prod]\n" + ROLE + "credential_source = Ec2InstanceMetadata\n", "credential_source"),
    "credential_source down the chain": ("[profile prod]\n" + ROLE + "source_profile = mid\n[profile mid]\n" + ROLE
                                         + "credential_source = Environment\n", "profile [mid] takes its credentials"),
    "web identity": ("[profile prod]\n" + ROLE + "web_identity_token_file = /var/run/token\n", "web_identity_token_file"),
    "web identity as source": ("[profile prod]\n" + ROLE + "source_profile = ci\n[profile ci]\n" + ROLE
                               + "web_identity_token_file = /var/run/token\n", "profile [ci] uses web_identity"),
    "shell metacharacters in role_arn": ("[profile prod]\nrole_arn = arn:aws:iam::111111111111:role/$(touch /tmp/x)\n"
                                         "source_profile = base\n", "is not an IAM role ARN"),
    "backquote in role_arn": ("[profile prod]\nrole_arn = arn:aws:iam::111111111111:role/`id`\nsource_profile = base\n",
                              "is not an IAM role ARN"),
    "semicolon in role_arn": ("[profile prod]\nrole_arn = arn:aws:iam::111111111111:role/a;rm -rf ~\n"
                              "source_profile = base\n", "is not an IAM role ARN"),
    "an assumed-role ARN": ("[profile prod]\nrole_arn = arn:aws:sts::111111111111:assumed-role/ops/s\n"
                            "source_profile = base\n", "is not an IAM role ARN"),
    "a user ARN": ("[profile prod]\nrole_arn = arn:aws:iam::111111111111:user/alice\nsource_profile = base\n",
                   "is not an IAM role ARN"),
    "short account": ("[profile prod]\nrole_arn = arn:aws:iam::1111:role/ops\nsource_profile = base\n",
                      "is not an IAM role ARN"),
    "unknown partition": ("[profile prod]\nrole_arn = arn:evil:iam::111111111111:role/ops\nsource_profile = base\n",
                          "is not an IAM role ARN"),
    "empty role name": ("[profile prod]\nrole_arn = arn:aws:iam::111111111111:role/\nsource_profile = base\n",
                        "is not an IAM role ARN"),
    "role name too long": ("[profile prod]\nrole_arn = arn:aws:iam::111111111111:role/" + "a" * 65
                           + "\nsource_profile = base\n", "is not an IAM role ARN"),
    "role_arn as a nested block": ("[profile prod]\nrole_arn =\n  a = b\nsource_profile = base\n", "one-line value"),
    "role_arn spanning lines": ("[profile prod]\nrole_arn = arn:aws:iam::111111111111:role/ops\n  more\n"
                                "source_profile = base\n", "one-line value"),
    "external_id with a quote": ("[profile prod]\n" + ROLE + "source_profile = base\nexternal_id = a'b\n",
                                 "external_id = \"a'b\" is not what AssumeRole accepts"),
    "role_session_name with a blank": ("[profile prod]\n" + ROLE + "source_profile = base\nrole_session_name = a b\n",
                                       "role_session_name"),
    "duration_seconds not a number": ("[profile prod]\n" + ROLE + "source_profile = base\nduration_seconds = 1h\n",
                                      "duration_seconds = '1h'"),
    "duration_seconds too long": ("[profile prod]\n" + ROLE + "source_profile = base\nduration_seconds = 86400\n",
                                  "from 900 to 43200"),
    "awsmfa_role_mfa misspelt": ("[profile prod]\n" + ROLE + "source_profile = base\nawsmfa_role_mfa = chained\n",
                                 "awsmfa_role_mfa = 'chained'"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_and_broken_role_profiles_are_refused_in_one_line(case, tmp_path):
    config, expected = HOSTILE[case]
    with pytest.raises(ProfileProblem) as raised:
        chain_of(config, tmp_path=tmp_path)
    message = str(raised.value)
    assert expected in message
    assert "\n" not in message and message.isprintable() and len(message) < 400
    FIGURES["hostile role profiles refused in one line"] += 1


def test_a_chain_of_ten_is_accepted_and_eleven_refused(tmp_path):
    assert len(chain_of(role_chain_of_n(10), name="r0", tmp_path=tmp_path).hops) == 10
    with pytest.raises(ProfileProblem, match="chains more than 10 roles"):
        chain_of(role_chain_of_n(11), name="r0", tmp_path=tmp_path)


@pytest.mark.parametrize("arn", [
    "arn:aws:iam::111111111111:role/ops", "arn:aws-cn:iam::111111111111:role/a/b/ops",
    "arn:aws-us-gov:iam::111111111111:role/service-role/A+=,.@_-z", "arn:aws:iam::111111111111:role/" + "a" * 64])
def test_real_role_arns_are_accepted(arn):
    assert roleprofiles.check_role_arn("prod", arn) == arn


def test_a_role_without_a_region_takes_its_sources(tmp_path):
    role = "[profile prod]\nrole_arn = arn:aws:iam::111111111111:role/ops\nsource_profile = base\n"
    assert chain_of(role + "[profile base]\nregion = eu-north-1\n", tmp_path=tmp_path).region == "eu-north-1"
    assert chain_of(role + "region = us-west-2\n[profile base]\nregion = eu-north-1\n", tmp_path=tmp_path).region \
        == "us-west-2"
