"""The shell half's commands: install, uninstall, init, status, the account they work on,
the completer, and root's --user. Imports shells, core, and (status only) sessions
(docs/ARCHITECTURE.md §1)."""
