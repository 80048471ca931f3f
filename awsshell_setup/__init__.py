"""awsmfa: MFA session credentials and AWS CLI completion for bash, zsh and fish."""

__version__ = "0.1.0"
