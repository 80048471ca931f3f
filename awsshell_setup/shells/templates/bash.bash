# Template for bash: awsshell_setup.shells.render() keeps the `#@ SECTION` parts it is asked
# for and fills in {{name}}; these first lines are for maintainers and are never rendered.
# Rules behind each form: no process started at shell start (docs/ARCHITECTURE.md §4);
# `function mfa {` because a user's `alias mfa` makes `mfa() {` a parse error; `local out`
# declared first because `local out="$(...)"` returns local's status and hides a failure;
# `|| return` so a failed awsmfa exports nothing, not even partial output; works under `set -u`.
# `command awsmfa`, by name, not by an absolute path frozen at install time: that path
# breaks when a pyenv/venv/pipx install moves or is upgraded, and as root with --user it
# would name a copy the account may not run. `command` skips aliases/functions named awsmfa.
# status and install check that awsmfa is on PATH.
# completion_provided replaces completion when the system's bash-completion file completes aws
# with the same completer (Debian's awscli). That file counts only in a shell that has loaded
# bash-completion: Debian's /etc/skel/.bashrc and /etc/profile.d (login shells) do, root's default
# ~/.bashrc (base-files' dot.bashrc: a fresh root, `docker exec ... bash`) and /etc/bash.bashrc do
# not. So the block sets `complete -C` itself unless bash-completion's loader is the default
# completion when it runs: `complete -p -D` and `declare -F` are builtins (no process, no `$(...)`
# subshell), `_completion_loader` is 2.x's name, `_comp_complete_load` 2.12's; a user's own
# `complete -D` loads no file for aws, so it does not count. Where the loader is active it loads
# the file at the first Tab after aws, which also follows an awscli upgrade or removal. Loaded
# after the block instead, bash-completion keeps our compspec, the same program. Its first line
# names the completer as completion's does, so status re-renders the block and checks it.
# completion_lookup replaces completion for a bare --completer NAME (one dotfile, many machines):
# at each Tab, NAME on PATH, else in completerfiles.KNOWN_FOLDERS (rendered in: Debian's and Ubuntu's
# awscli keeps it in /usr/libexec, off PATH). `complete -F`, not `-C`: with NAME found nowhere,
# only a function run by the shell itself can hand aws to the default completion (`complete -D`,
# bash-completion's loader) and return its 124, after which bash starts over with what it
# loaded. `complete -r aws; return 124` alone does nothing: bash retries only a new compspec.
# prompt: the clock is bash's own (`printf %(%s)T`, bash 4.2+) and the date arithmetic is
# days-from-civil on RFC 3339's fields, so a prompt pays no `date` process; `-v NAME` (as
# printf's) spares even the subshell of `$(mfa_prompt)`. The warning starts at the session's
# reuse margin, from which `mfa` asks for a new code: AWSMFA_REUSE_MARGIN, which env exports
# with the session, else 300 (rules.REUSE_MARGIN_SECONDS; tests/test_shells_prompt.py
# keeps them equal). `_mfa_warn` goes last in PROMPT_COMMAND and returns the status it found, so
# prompts and hooks that show `$?` still see the command's.
#@ about
# `awsmfa install` wrote this block; `awsmfa uninstall` removes it. It starts no process:
# `mfa` runs awsmfa only when you call it. For a dotfile repo: awsmfa init bash >> ~/.bashrc
#@ function
# mfa [awsmfa env options]: ask for the MFA code, export the session into this shell.
# mfa -u (--unset): remove what mfa exported.
# What awsmfa prints is run as code: options that print anything else are refused.
function mfa {
    local out arg
    for arg in "$@"; do
        case $arg in
            -h|--help) command awsmfa env --help; return ;;
            -u|--unset)
                out="$(command awsmfa unset --shell bash)" || return
                eval "$out"
                return ;;
            --json|--shell|--shell=*)
                printf "mfa: %s refused: mfa runs what awsmfa prints as bash code; to see that output, run \`awsmfa env %s\`\n" "$arg" "$arg" >&2
                return 2 ;;
        esac
    done
    out="$(command awsmfa env --shell bash "$@")" || return
    eval "$out" || return
    # With AWSMFA_WARN set: warn before each prompt as the session nears its end (_mfa_warn).
    if [[ -n ${AWSMFA_WARN-} && ${PROMPT_COMMAND-} != *_mfa_warn* ]]; then
        PROMPT_COMMAND="${PROMPT_COMMAND:+$PROMPT_COMMAND$'\n'}_mfa_warn"
    fi
}
#@ prompt
# mfa_prompt: the time left in the session exported here, e.g. `mfa 3h12m` (`mfa 4m`, `mfa 42s`,
# `mfa expired`); nothing when none is. `mfa_prompt -v NAME` sets NAME instead of printing:
#   PROMPT_COMMAND="mfa_prompt -v mfa_left${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
#   PS1='${mfa_left:+($mfa_left) }'$PS1
function mfa_prompt {
    local _mfa_status=$? _mfa_seconds _mfa_text=
    if _mfa_left; then
        if (( _mfa_seconds <= 0 )); then
            _mfa_text="mfa expired"
        elif (( _mfa_seconds >= 3600 )); then
            printf -v _mfa_text 'mfa %dh%02dm' $((_mfa_seconds / 3600)) $((_mfa_seconds % 3600 / 60))
        elif (( _mfa_seconds >= 60 )); then
            _mfa_text="mfa $((_mfa_seconds / 60))m"
        else
            _mfa_text="mfa ${_mfa_seconds}s"
        fi
    fi
    if [[ ${1-} == -v ]]; then
        printf -v "${2:?usage: mfa_prompt [-v NAME]}" '%s' "$_mfa_text"
    elif [[ -n $_mfa_text ]]; then
        printf '%s\n' "$_mfa_text"
    fi
    return $_mfa_status
}
# The seconds from now to AWS_CREDENTIAL_EXPIRATION into the caller's _mfa_seconds (negative
# once past); status 1 when no such time is exported.
function _mfa_left {
    [[ ${AWS_CREDENTIAL_EXPIRATION-} =~ ^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|([+-])([0-9]{2}):?([0-9]{2}))$ ]] || return 1
    local -a f=("${BASH_REMATCH[@]}")
    local now y=$((10#${f[1]})) m=$((10#${f[2]})) offset=0
    (( m >= 1 && m <= 12 && 10#${f[3]} >= 1 && 10#${f[3]} <= 31 && 10#${f[4]} <= 23 && 10#${f[5]} <= 59
       && 10#${f[6]} <= 60 && 10#0${f[10]} <= 23 && 10#0${f[11]} <= 59 )) || return 1
    printf -v now '%(%s)T' -1
    if [[ -n ${f[9]} ]]; then offset=$(( ${f[9]}1 * (10#${f[10]} * 3600 + 10#${f[11]} * 60) )); fi
    if (( m <= 2 )); then y=$((y - 1)); fi
    _mfa_seconds=$(( ((y / 400) * 146097 + y % 400 * 365 + y % 400 / 4 - y % 400 / 100
                      + (153 * ((m + 9) % 12) + 2) / 5 + 10#${f[3]} - 1 - 719468) * 86400
                     + 10#${f[4]} * 3600 + 10#${f[5]} * 60 + 10#${f[6]} - offset - now ))
}
# AWSMFA_WARN set: before each prompt, one line while the session exported here is within its
# reuse margin (then mfa asks for a new code) or has ended.
function _mfa_warn {
    local _mfa_status=$? _mfa_seconds _mfa_margin=300
    if [[ -n ${AWSMFA_WARN-} ]] && _mfa_left; then
        [[ ${AWSMFA_REUSE_MARGIN-} =~ ^(0|[1-9][0-9]{0,4})$ ]] && _mfa_margin=$AWSMFA_REUSE_MARGIN
        if (( _mfa_seconds <= 0 )); then
            printf 'mfa: the AWS session in this shell has ended; renew it with mfa, or clear it with mfa -u\n' >&2
        elif (( _mfa_seconds < _mfa_margin )); then
            printf 'mfa: the AWS session in this shell ends in %dm %02ds; renew it with mfa\n' \
                $((_mfa_seconds / 60)) $((_mfa_seconds % 60)) >&2
        fi
    fi
    return $_mfa_status
}
#@ completion
# aws completion: {{completer_path}}
complete -C {{completer}} aws
#@ completion_lookup
# aws completion: {{completer_path}}
# At each Tab: {{completer_path}} on PATH, else in the first of these folders that holds it; with
# neither, aws is completed as bash would without this block (bash-completion's file for aws).
function _awsmfa_complete_aws {
    local folder default
    if type -P -- {{completer_name}} >/dev/null; then
        mapfile -t COMPREPLY < <(COMP_LINE=$COMP_LINE COMP_POINT=$COMP_POINT command -- {{completer_name}})
        return 0
    fi
    for folder in {{completer_folders}}; do
        if [[ -f $folder/{{completer_name}} && -x $folder/{{completer_name}} ]]; then
            mapfile -t COMPREPLY < <(COMP_LINE=$COMP_LINE COMP_POINT=$COMP_POINT "$folder"/{{completer_name}})
            return 0
        fi
    done
    # Neither: aws goes to bash's default completion (`complete -D`: bash-completion's loader,
    # which reads its file for aws); its status 124 makes bash start again with what it loaded.
    default=$(complete -p -D 2>/dev/null) || default=
    if [[ $default == *" -F "* ]]; then
        default=${default#* -F }
        complete -r aws
        "${default%% *}" "$@"
        return
    fi
    return 0
}
complete -F _awsmfa_complete_aws aws
#@ complete_awsmfa
# Tab after awsmfa and mfa: click's own completion (_AWSMFA_COMPLETE), asked only on Tab;
# `mfa ARGS` completes as `awsmfa env ARGS`. `env` runs the awsmfa on PATH, never a function.
# bash inserts a COMPREPLY word as it is, to be parsed again when the line runs: each value is
# quoted (printf %q), so a profile name from a shared config (`[profile x$(cmd)]`) is inserted
# as text, never as code, as zsh's compadd and fish do by themselves.
function _awsmfa_complete {
    local IFS=$'\n' response completion type value quoted
    response=$(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD="$COMP_CWORD" _AWSMFA_COMPLETE=bash_complete awsmfa 2>/dev/null)
    for completion in $response; do
        IFS=',' read -r type value <<< "$completion"
        if [[ $type == plain ]]; then
            printf -v quoted '%q' "$value"
            COMPREPLY+=("$quoted")
        fi
    done
    return 0
}
function _awsmfa_complete_mfa {
    local COMP_WORDS=(awsmfa env "${COMP_WORDS[@]:1}") COMP_CWORD=$((COMP_CWORD + 1))
    _awsmfa_complete
}
complete -F _awsmfa_complete awsmfa
complete -F _awsmfa_complete_mfa mfa
#@ completion_provided
# aws completion: {{completer_path}}
# Where bash-completion is loaded, it completes aws with this program ({{provider}}, read on
# the first Tab after aws); in a shell that has not loaded it, this line does.
if ! { complete -p -D && { declare -F _comp_complete_load || declare -F _completion_loader; }; } >/dev/null 2>&1; then
    complete -C {{completer}} aws
fi
#@ profile
# sh and dash read ~/.profile too: the bash code is a string only bash evaluates.
if [ -n "${BASH_VERSION-}" ]; then
    eval {{code}}
fi
