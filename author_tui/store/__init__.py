"""File-system adapters: atomic writes, locks, autosave and recovery, loading the author's archive."""
