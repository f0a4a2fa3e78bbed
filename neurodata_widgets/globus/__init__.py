"""Globus: login, collection browser, transfers with live status, dataset registration."""
