"""What both halves stand on: the error family, paths, file safety, bounded runs of other
programs, root's rules, UTC times, the INI editor, --debug lines. Imports nothing of the
package outside core (docs/ARCHITECTURE.md §1)."""
