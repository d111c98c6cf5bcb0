"""The domain: formats, the entry model and the use cases. No UI, no network, no file I/O in here."""
