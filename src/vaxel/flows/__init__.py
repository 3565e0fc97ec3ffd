"""Multi-step workflows spanning domain, storage and switch."""
