# Template for zsh: awsshell_setup.shells.render() keeps the `#@ SECTION` parts it is asked
# for and fills in {{name}}; these first lines are for maintainers and are never rendered.
# Completion: `bashcompinit` needs `compdef`, which only `compinit` defines (Debian's zsh has
# none by default: "command not found: compdef"). compinit costs ~18 ms, so it runs only when
# the user's own rc (oh-my-zsh, prezto, a plain compinit) has not run it already.
# `command awsmfa`, by name, not by an absolute path frozen at install time: that path
# breaks when a pyenv/venv/pipx install moves or is upgraded, and as root with --user it
# would name a copy the account may not run. `command` skips aliases/functions named awsmfa.
# status and install check that awsmfa is on PATH.
#@ about
# `awsmfa install` wrote this block; `awsmfa uninstall` removes it. It starts no process:
# `mfa` runs awsmfa only when you call it. For a dotfile repo: awsmfa init zsh >> ~/.zshrc
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
                out="$(command awsmfa unset --shell zsh)" || return
                eval "$out"
                return ;;
            --json|--shell|--shell=*)
                printf 'mfa: %s refused: mfa runs what awsmfa prints as zsh code; to see that output, run `awsmfa env %s`\n' "$arg" "$arg" >&2
                return 2 ;;
        esac
    done
    out="$(command awsmfa env --shell zsh "$@")" || return
    eval "$out"
}
#@ completion
# aws completion: {{completer_path}}
if (( ! $+functions[compdef] )); then
    autoload -Uz compinit && compinit -i
fi
autoload -Uz bashcompinit && bashcompinit
complete -C {{completer}} aws
#@ complete_awsmfa
# Tab after awsmfa and mfa: click's own completion (_AWSMFA_COMPLETE), asked only on Tab;
# `mfa ARGS` completes as `awsmfa env ARGS`. `env` runs the awsmfa on PATH, never a function.
if (( ! $+functions[compdef] )); then
    autoload -Uz compinit && compinit -i
fi
function _awsmfa_complete {
    local -a completions completions_with_descriptions response
    local type key descr
    (( $+commands[awsmfa] )) || return 1
    response=("${(@f)$(env COMP_WORDS="${words[*]}" COMP_CWORD=$((CURRENT-1)) _AWSMFA_COMPLETE=zsh_complete awsmfa 2>/dev/null)}")
    for type key descr in ${response}; do
        if [[ "$type" == "plain" ]]; then
            if [[ "$descr" == "_" ]]; then
                completions+=("$key")
            else
                completions_with_descriptions+=("$key":"$descr")
            fi
        fi
    done
    if [ -n "$completions_with_descriptions" ]; then
        _describe -V unsorted completions_with_descriptions -U
    fi
    if [ -n "$completions" ]; then
        compadd -U -V unsorted -a completions
    fi
}
function _awsmfa_complete_mfa {
    local -a words=(awsmfa env "${(@)words[2,-1]}")
    local CURRENT=$((CURRENT + 1))
    _awsmfa_complete
}
compdef _awsmfa_complete awsmfa
compdef _awsmfa_complete_mfa mfa
