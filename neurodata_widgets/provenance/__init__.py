"""Provenance: DataLad run records, file lineage as a graph, staleness and rerun.

``records`` parses run commits (one ``git log`` per dataset), ``lineage`` builds the
graph of files and runs, ``graph`` lays it out as SVG and exports W3C PROV-JSON,
``widgets`` shows it all (:class:`~neurodata_widgets.provenance.widgets.ProvenanceViewer`).
"""
