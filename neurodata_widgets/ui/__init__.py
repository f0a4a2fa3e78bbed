"""Shared view parts: status banner, job progress with cancel, paged table, HTML escaping, theme."""
