"""Credentials and login plumbing shared by the slices that log in (XNAT, and any other basic-auth service).

One credential store for the whole toolkit: DataLad's credentials through datalad-next's
credential manager, so what a widget saves is what ``datalad`` commands (and extensions
such as datalad-xnat) find, and back.
"""
