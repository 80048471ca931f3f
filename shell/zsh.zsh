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
