# Template for fish: awsshell_setup.shells.render() keeps the `#@ SECTION` parts it is asked
# for and fills in {{name}}; these first lines are for maintainers and are never rendered.
# `awsmfa install` writes the function section to functions/mfa.fish and the completion
# section to completions/aws.fish, complete_awsmfa to completions/awsmfa.fish and mfa.fish
# (autoloaded: nothing runs at start); `awsmfa init fish`
# prints both for config.fish. `set -gx` comes from `awsmfa env --shell fish` (`set -x` in
# sourced text would stay local to the function). The AWS CLI has no fish completion
# (aws-cli #1079); aws_completer reads only COMP_LINE and COMP_POINT, so we give it those.
# `command awsmfa`, by name: see bash.bash for why not an absolute path.
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
    string join \n -- $out | source
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
