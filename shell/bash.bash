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
# with the same completer: a `complete -C` of ours would only repeat it. Its first line names
# the completer as completion's does, so status re-renders the block and checks that program.
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
                printf 'mfa: %s refused: mfa runs what awsmfa prints as bash code; to see that output, run `awsmfa env %s`\n' "$arg" "$arg" >&2
                return 2 ;;
        esac
    done
    out="$(command awsmfa env --shell bash "$@")" || return
    eval "$out"
}
#@ completion
# aws completion: {{completer_path}}
complete -C {{completer}} aws
#@ complete_awsmfa
# Tab after awsmfa and mfa: click's own completion (_AWSMFA_COMPLETE), asked only on Tab;
# `mfa ARGS` completes as `awsmfa env ARGS`. `env` runs the awsmfa on PATH, never a function.
function _awsmfa_complete {
    local IFS=$'\n' response completion type value
    response=$(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD="$COMP_CWORD" _AWSMFA_COMPLETE=bash_complete awsmfa 2>/dev/null)
    for completion in $response; do
        IFS=',' read -r type value <<< "$completion"
        [[ $type == plain ]] && COMPREPLY+=("$value")
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
# bash: already provided by {{provider}}, which bash-completion loads on the first Tab after aws
#@ profile
# sh and dash read ~/.profile too: the bash code is a string only bash evaluates.
if [ -n "${BASH_VERSION-}" ]; then
    eval {{code}}
fi
