"""Dataset search: DataLad-Registry's query language over an embedded catalog and remote registries.

``query.py`` parses the language into an AST (as DataLad-Registry reads it, within bounds)
and ``sql.py`` compiles it for SQLite; ``catalog.py`` is the embedded catalog (trigram
indexes; ``matches.py`` shares a search's matches between its threads), filled by
``ingest.py`` from local datasets (read by ``extract.py``) or from a registry; ``registry.py`` talks to a registry's API; ``records.py`` holds what works on
either's pages (counts, tables, facets); ``backends.py`` picks what to search;
``widgets.py`` shows it all as :class:`DatasetSearch`; ``cli.py`` holds the ``catalog``
commands and ``synthetic.py`` realistic records for the sandbox and benchmark. Imports go
one way: no two of catalog, registry, ingest and extract import each other.
"""
