"""The credentials half: everything between `--profile` and a stored or printed session
(env, login, logout, exec, rotate). Imports core only, never the shell half
(docs/ARCHITECTURE.md §1)."""
