"""Provenance: DataLad run records, file lineage as a graph, staleness and rerun.

``gitlog`` runs and parses one ``git log``; ``records`` turns run commits into
:class:`~.records.RunRecord`; ``history`` joins a dataset's and its subdatasets' records;
``lineage`` builds the graph of files and runs and tells what is stale; ``graph`` lays it
out as SVG and exports W3C PROV-JSON; ``rerun`` recomputes with ``datalad rerun``;
``widgets`` shows it all (:class:`~.widgets.ProvenanceViewer`).
"""
