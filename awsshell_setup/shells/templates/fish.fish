# Template for fish: awsshell_setup.shells.render() keeps the `#@ SECTION` parts it is asked
# for and fills in {{name}}; these first lines are for maintainers and are never rendered.
# `awsmfa install` writes the function section to functions/mfa.fish and the completion
# section to completions/aws.fish, complete_awsmfa to completions/awsmfa.fish and mfa.fish
# (autoloaded: nothing runs at start); `awsmfa init fish`
# prints both for config.fish. `set -gx` comes from `awsmfa env --shell fish` (`set -x` in
# sourced text would stay local to the function). The AWS CLI has no fish completion
# (aws-cli #1079); aws_completer reads only COMP_LINE and COMP_POINT, so we give it those.
# completion_lookup replaces completion for a bare --completer NAME (one dotfile, many machines):
# at each Tab, NAME on PATH (`command -s`, a builtin), else in completerfiles.KNOWN_FOLDERS (rendered
# in). `command $program`, not `$program`: fish before 3.0 takes no variable as a command.
# `command awsmfa`, by name: see bash.bash for why not an absolute path.
# prompt: `awsmfa install` writes it to functions/mfa_prompt.fish. fish has no clock builtin:
# `path mtime` (fish 3.5+) of / plus its age (`path mtime --relative`) is now, with no process;
# older fish runs `date`. The date arithmetic is days-from-civil in `math`. Nothing newer than
# fish 3.0 otherwise (Ubuntu 22.04 ships 3.3, Debian 11 3.1). The warning starts at
# the session's reuse margin, from which `mfa` asks for a new code: AWSMFA_REUSE_MARGIN, which
# env exports with the session, else 300 (rules.REUSE_MARGIN_SECONDS;
# tests/test_shells_prompt.py keeps them equal). fish keeps $status across event handlers itself.
#@ about
# `awsmfa install` wrote this; `awsmfa uninstall` removes it. It starts no process:
# `mfa` runs awsmfa only when you call it. For a dotfile repo: awsmfa init fish >> config.fish
#@ function
function mfa --description 'Ask for the MFA code, export an AWS MFA session into this shell'
    # What awsmfa prints is run as code: options that print anything else are refused.
    for arg in $argv
        switch $arg
            case -h --help
                command awsmfa env --help
                return
            case -u --unset
                set -l out (command awsmfa unset --shell fish); or return
                string join \n -- $out | source
                return
            case --json --shell '--shell=*'
                printf 'mfa: %s refused: mfa runs what awsmfa prints as fish code; to see that output, run `awsmfa env %s`\n' $arg $arg >&2
                return 2
        end
    end
    set -l out (command awsmfa env --shell fish $argv); or return
    string join \n -- $out | source; or return
    # With AWSMFA_WARN set: warn before each prompt as the session nears its end.
    if test -n "$AWSMFA_WARN"; and not functions -q __mfa_warn
        function __mfa_warn --on-event fish_prompt
            mfa_prompt --warn
        end
    end
end
#@ prompt
function mfa_prompt --description 'Print the time left in the AWS session exported here: mfa 3h12m'
    # `mfa 3h12m` (`mfa 4m`, `mfa 42s`, `mfa expired`); nothing when none is exported. For
    # fish_right_prompt: function fish_right_prompt; mfa_prompt; end
    # `mfa_prompt --seconds`: the seconds left instead (negative once past); `--warn`: the
    # warning AWSMFA_WARN asks for, on stderr. Starts no process.
    # The whole match, then each group that took part; not `--groups-only`, which is fish 3.4+.
    set -l f (string match -r -- '^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):?(\d{2}))$' "$AWS_CREDENTIAL_EXPIRATION")
    or return 0
    set -e f[1]
    test $f[2] -ge 1 -a $f[2] -le 12 -a $f[3] -ge 1 -a $f[3] -le 31 -a $f[4] -le 23 -a $f[5] -le 59 \
        -a $f[6] -le 60 -a "0$f[8]" -le 23 -a "0$f[9]" -le 59; or return 0
    set -l now
    if contains path (builtin -n)  # builtin -n: as old as fish 2; `builtin -q` is not
        set now (math (path mtime /) + (path mtime --relative /))
    else
        set now (command date +%s)
    end
    set -l y $f[1]
    test $f[2] -le 2; and set y (math $y - 1)
    set -l offset 0
    set -q f[9]; and set offset (math "$f[7]1 * ($f[8] * 3600 + $f[9] * 60)")
    set -l left (math "(floor($y / 400) * 146097 + $y % 400 * 365 + floor($y % 400 / 4) - floor($y % 400 / 100)" \
        "+ floor((153 * (($f[2] + 9) % 12) + 2) / 5) + $f[3] - 1 - 719468) * 86400" \
        "+ $f[4] * 3600 + $f[5] * 60 + $f[6] - $offset - $now")
    if test "$argv[1]" = --seconds
        echo $left
    else if test "$argv[1]" = --warn
        # AWSMFA_WARN set: one line while the session exported here is within its reuse margin
        # (then mfa asks for a new code) or has ended.
        test -n "$AWSMFA_WARN"; or return 0
        set -l margin 300
        string match -qr -- '^(0|[1-9][0-9]{0,4})$' "$AWSMFA_REUSE_MARGIN"; and set margin $AWSMFA_REUSE_MARGIN
        if test $left -le 0
            echo 'mfa: the AWS session in this shell has ended; renew it with mfa, or clear it with mfa -u' >&2
        else if test $left -lt $margin
            printf 'mfa: the AWS session in this shell ends in %dm %02ds; renew it with mfa\n' \
                (math -s0 "floor($left / 60)") (math -s0 "$left % 60") >&2
        end
    else if test $left -le 0
        echo 'mfa expired'
    else if test $left -ge 3600
        printf 'mfa %dh%02dm\n' (math -s0 "floor($left / 3600)") (math -s0 "floor($left % 3600 / 60)")
    else if test $left -ge 60
        printf 'mfa %dm\n' (math -s0 "floor($left / 60)")
    else
        printf 'mfa %ds\n' $left
    end
end
#@ completion
# aws completion: {{completer_path}}
# Replaces fish's bundled aws completion, which runs `aws s3 ls` on Tab.
function __awsmfa_complete_aws
    # The line up to the cursor, in this process only (after a pipe, mid-line too).
    set -l line (string join ' ' -- (commandline -pc))
    set -lx COMP_LINE $line
    set -lx COMP_POINT (string length -- $line)
    {{completer}} | string trim -r
end
complete --command aws --no-files --arguments '(__awsmfa_complete_aws)'
#@ completion_lookup
# aws completion: {{completer_path}}
# Replaces fish's bundled aws completion, which runs `aws s3 ls` on Tab. At each Tab:
# {{completer_path}} on PATH, else in the first of these folders that holds it; with neither, nothing.
function __awsmfa_complete_aws
    # The line up to the cursor, in this process only (after a pipe, mid-line too).
    set -l line (string join ' ' -- (commandline -pc))
    set -lx COMP_LINE $line
    set -lx COMP_POINT (string length -- $line)
    set -l program (command -s -- {{completer_name}})
    if not set -q program[1]
        for folder in {{completer_folders}}
            if test -f $folder/{{completer_name}} -a -x $folder/{{completer_name}}
                set program $folder/{{completer_name}}
                break
            end
        end
    end
    if set -q program[1]
        command $program[1] | string trim -r
    end
end
complete --command aws --no-files --arguments '(__awsmfa_complete_aws)'
#@ complete_awsmfa
# Tab after awsmfa and mfa: click's own completion (_AWSMFA_COMPLETE), asked only on Tab;
# `mfa ARGS` completes as `awsmfa env ARGS`. `env` runs the awsmfa on PATH, never a function.
function __awsmfa_complete
    set -l words (commandline -cp)
    if test "$argv[1]" = mfa
        set words awsmfa env (string split -m1 -- ' ' "$words")[2]
    end
    set -l token (commandline -t)
    set -l response (env _AWSMFA_COMPLETE=fish_complete COMP_WORDS="$words" COMP_CWORD="$token" awsmfa 2>/dev/null)
    for completion in $response
        set -l metadata (string split -m1 , -- $completion)
        if test "$metadata[1]" = plain
            echo $metadata[2]
        end
    end
end
complete --command awsmfa --no-files --arguments '(__awsmfa_complete awsmfa)'
complete --command mfa --no-files --arguments '(__awsmfa_complete mfa)'
