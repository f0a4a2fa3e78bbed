"""Loopback stand-ins for XNAT, Globus and DataLad-Registry, plus demo datasets.

Real clients (xnatpy, globus-sdk, requests) talk to these over real HTTP on
127.0.0.1; they serve tests, benchmarks, ``make demo``, the handbook and Binder.
"""
