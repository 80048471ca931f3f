# Template for zsh: awsshell_setup.shells.render() keeps the `#@ SECTION` parts it is asked
# for and fills in {{name}}; these first lines are for maintainers and are never rendered.
# Completion: `bashcompinit` needs `compdef`, which only `compinit` defines (Debian's zsh has
# none by default: "command not found: compdef"). compinit costs ~18 ms, so it runs only when
# the user's own rc (oh-my-zsh, prezto, a plain compinit) has not run it already.
# Its dump goes to shells.Zsh.COMPDUMP, a file of awsmfa's that uninstall removes, not
# ~/.zcompdump, which a compinit of the user's may share.
# completion_lookup replaces completion for a bare --completer NAME (one dotfile, many machines):
# at each Tab, NAME on PATH (`whence -p`, a builtin), else in completerfiles.KNOWN_FOLDERS (rendered
# in). bashcompinit's `complete -C` evals its argument, so it takes a function; it runs under
# bashcompinit's `emulate -L sh`, hence the function's own `emulate -L zsh`.
# `command awsmfa`, by name, not by an absolute path frozen at install time: that path
# breaks when a pyenv/venv/pipx install moves or is upgraded, and as root with --user it
# would name a copy the account may not run. `command` skips aliases/functions named awsmfa.
# status and install check that awsmfa is on PATH.
# prompt: the clock is zsh/datetime's EPOCHSECONDS and the date arithmetic is days-from-civil
# on RFC 3339's fields, so a prompt pays no `date` process; `-v NAME` spares even the subshell
# of `$(mfa_prompt)`. `emulate -L zsh`, and BASH_REMATCH off (emulate keeps it): the user's
# options (KSH_ARRAYS, BASH_REMATCH, OCTAL_ZEROES) would change what `=~`, indexes and numbers
# mean. The warning starts at the session's reuse margin, from which `mfa` asks for a new code:
# AWSMFA_REUSE_MARGIN, which env exports with the session, else 300
# (rules.REUSE_MARGIN_SECONDS; tests/test_shells_prompt.py keeps them equal). `_mfa_warn`
# returns the status it found, for prompts showing `$?`.
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
                printf "mfa: %s refused: mfa runs what awsmfa prints as zsh code; to see that output, run \`awsmfa env %s\`\n" "$arg" "$arg" >&2
                return 2 ;;
        esac
    done
    out="$(command awsmfa env --shell zsh "$@")" || return
    eval "$out" || return
    # With AWSMFA_WARN set: warn before each prompt as the session nears its end (_mfa_warn).
    if [[ -n ${AWSMFA_WARN-} ]]; then
        autoload -Uz add-zsh-hook && add-zsh-hook precmd _mfa_warn
    fi
}
#@ prompt
# mfa_prompt: the time left in the session exported here, e.g. `mfa 3h12m` (`mfa 4m`, `mfa 42s`,
# `mfa expired`); nothing when none is. `mfa_prompt -v NAME` sets NAME instead of printing:
#   precmd_functions+=(_mfa_prompt_hook); function _mfa_prompt_hook { mfa_prompt -v mfa_left }
#   setopt prompt_subst; PROMPT='${mfa_left:+($mfa_left) }'$PROMPT
function mfa_prompt {
    local _mfa_status=$? _mfa_seconds _mfa_text=
    emulate -L zsh
    if _mfa_left; then
        if (( _mfa_seconds <= 0 )); then
            _mfa_text="mfa expired"
        elif (( _mfa_seconds >= 3600 )); then
            _mfa_text="mfa $((_mfa_seconds / 3600))h${(l:2::0:)$((_mfa_seconds % 3600 / 60))}m"
        elif (( _mfa_seconds >= 60 )); then
            _mfa_text="mfa $((_mfa_seconds / 60))m"
        else
            _mfa_text="mfa ${_mfa_seconds}s"
        fi
    fi
    if [[ ${1-} == -v ]]; then
        typeset -g "${2:?usage: mfa_prompt [-v NAME]}=$_mfa_text"
    elif [[ -n $_mfa_text ]]; then
        print -r -- "$_mfa_text"
    fi
    return $_mfa_status
}
# The seconds from now to AWS_CREDENTIAL_EXPIRATION into the caller's _mfa_seconds (negative
# once past); status 1 when no such time is exported.
function _mfa_left {
    emulate -L zsh
    setopt no_bash_rematch  # which emulate leaves as the user set it
    [[ ${AWS_CREDENTIAL_EXPIRATION-} =~ '^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|([+-])([0-9]{2}):?([0-9]{2}))$' ]] || return 1
    zmodload -F zsh/datetime p:EPOCHSECONDS || return 1
    local -a f=("$match[@]")
    local -i y=10#$f[1] m=10#$f[2] offset=0
    (( m >= 1 && m <= 12 && 10#$f[3] >= 1 && 10#$f[3] <= 31 && 10#$f[4] <= 23 && 10#$f[5] <= 59
       && 10#$f[6] <= 60 && 10#0$f[10] <= 23 && 10#0$f[11] <= 59 )) || return 1
    if [[ -n $f[9] ]]; then offset=$(( ${f[9]}1 * (10#$f[10] * 3600 + 10#$f[11] * 60) )); fi
    if (( m <= 2 )); then y=$((y - 1)); fi
    _mfa_seconds=$(( ((y / 400) * 146097 + y % 400 * 365 + y % 400 / 4 - y % 400 / 100
                      + (153 * ((m + 9) % 12) + 2) / 5 + 10#$f[3] - 1 - 719468) * 86400
                     + 10#$f[4] * 3600 + 10#$f[5] * 60 + 10#$f[6] - offset - EPOCHSECONDS ))
}
# AWSMFA_WARN set: before each prompt, one line while the session exported here is within its
# reuse margin (then mfa asks for a new code) or has ended.
function _mfa_warn {
    local _mfa_status=$? _mfa_seconds _mfa_margin=300
    emulate -L zsh
    if [[ -n ${AWSMFA_WARN-} ]] && _mfa_left; then
        [[ ${AWSMFA_REUSE_MARGIN-} =~ '^(0|[1-9][0-9]{0,4})$' ]] && _mfa_margin=$AWSMFA_REUSE_MARGIN
        if (( _mfa_seconds <= 0 )); then
            print -ru2 -- 'mfa: the AWS session in this shell has ended; renew it with mfa, or clear it with mfa -u'
        elif (( _mfa_seconds < _mfa_margin )); then
            printf 'mfa: the AWS session in this shell ends in %dm %02ds; renew it with mfa\n' \
                $((_mfa_seconds / 60)) $((_mfa_seconds % 60)) >&2
        fi
    fi
    return $_mfa_status
}
#@ completion
# aws completion: {{completer_path}}
if (( ! $+functions[compdef] )); then
    autoload -Uz compinit && compinit -i -d "${ZDOTDIR:-$HOME}/.zcompdump-awsmfa"
fi
autoload -Uz bashcompinit && bashcompinit
complete -C {{completer}} aws
#@ completion_lookup
# aws completion: {{completer_path}}
# At each Tab: {{completer_path}} on PATH, else in the first of these folders that holds it; with
# neither, no completion and no message.
if (( ! $+functions[compdef] )); then
    autoload -Uz compinit && compinit -i -d "${ZDOTDIR:-$HOME}/.zcompdump-awsmfa"
fi
autoload -Uz bashcompinit && bashcompinit
function _awsmfa_aws_completer {
    emulate -L zsh
    local folder
    if whence -p -- {{completer_name}} >/dev/null; then
        command -- {{completer_name}}
        return
    fi
    for folder in {{completer_folders}}; do
        if [[ -f $folder/{{completer_name}} && -x $folder/{{completer_name}} ]]; then
            "$folder"/{{completer_name}}
            return
        fi
    done
    return 0
}
complete -C _awsmfa_aws_completer aws
#@ complete_awsmfa
# Tab after awsmfa and mfa: click's own completion (_AWSMFA_COMPLETE), asked only on Tab;
# `mfa ARGS` completes as `awsmfa env ARGS`. `env` runs the awsmfa on PATH, never a function.
if (( ! $+functions[compdef] )); then
    autoload -Uz compinit && compinit -i -d "${ZDOTDIR:-$HOME}/.zcompdump-awsmfa"
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
