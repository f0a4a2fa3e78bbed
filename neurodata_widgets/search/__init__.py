"""Dataset search: DataLad-Registry's query language over an embedded catalog and remote registries.

``query.py`` parses the language into an AST, ``catalog.py`` holds the embedded
SQLite index, ``extract.py`` reads datasets, ``registry.py`` talks to a registry's
API and ``widgets.py`` shows it all as :class:`DatasetSearch`.
"""
