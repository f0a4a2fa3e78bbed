"""Dataset state (what is present, where the rest lives) and operations (clone, get, drop)."""
