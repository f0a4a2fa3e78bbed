"""Dataset search: DataLad-Registry's query language over an embedded catalog and remote registries.

``query.py`` parses the language into an AST and ``sql.py`` compiles it for SQLite;
``catalog.py`` is the embedded catalog (trigram indexes), filled by ``ingest.py`` from
local datasets (read by ``extract.py``) or from a registry; ``registry.py`` talks to a
registry's API; ``backend.py`` picks which of the two a search runs against;
``facets.py`` counts result facets and writes the queries they stand for; ``widgets.py`` shows it all as :class:`DatasetSearch`; ``cli.py`` holds
the ``catalog`` commands and ``synthetic.py`` realistic records for the sandbox and benchmark.
"""
