"""XNAT: log in, browse projects -> subjects -> sessions -> scans -> resources -> files, download or track in DataLad.

``client`` (plain Python, DataFrames), ``download`` (safe parallel downloads), ``track``
(datalad-xnat compatible DataLad tracking), ``widgets`` (``XnatLogin``, ``XnatBrowser``).
"""
