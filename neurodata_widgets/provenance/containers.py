"""The names of the containers that ``datalad containers-run`` records ran in.

A ``containers-run`` record does not hold the container's name: datalad-container
passes the image as the run's first extra input (relative to the run's ``pwd``), and the
name lives in the dataset's ``.datalad/config`` as ``datalad.containers.<name>.image``.
An image inside a subdataset is named ``<subdataset>/<name>``, as ``containers-list``
shows it. The configuration is read as it is now, and, for an image no longer
configured, as it was at the run's commit.

Examples
--------
>>> parse_images("datalad.containers.bids.image\\n.datalad/environments/bids/image\\0")
{'.datalad/environments/bids/image': 'bids'}
"""
from __future__ import annotations

import posixpath

from .gitlog import git

IMAGE_KEYS = r"^datalad\.containers\..*\.image$"


def parse_images(text: str) -> dict:
    """``{image path: container name}`` from ``git config -z --get-regexp`` output."""
    images = {}
    for entry in text.split("\0"):
        key, _, value = entry.partition("\n")
        if key.startswith("datalad.containers.") and key.endswith(".image") and value:
            images[posixpath.normpath(value)] = key[len("datalad.containers."):-len(".image")]
    return images


def configured_images(path, commit: str = "") -> dict:
    """The images configured in the dataset at ``path`` (its ``.datalad/config``, at ``commit`` if given)."""
    source = ["--blob", f"{commit}:.datalad/config"] if commit else ["-f", str(path) + "/.datalad/config"]
    return parse_images(git(path, "config", "-z", *source, "--get-regexp", IMAGE_KEYS, check=False))


def name_containers(log, runs: list, subdatasets: list) -> None:
    """Set ``container_name`` on the ``containers-run`` records among ``runs`` of the dataset ``log``.

    ``subdatasets`` are the dataset's ``.gitmodules`` entries (an image may live in one).
    """
    candidates = [r for r in runs if r.extra_inputs and not r.foreign]
    if not candidates:
        return
    now = configured_images(log.path)
    inside: dict = {}
    for run in candidates:
        image = posixpath.normpath(posixpath.join(run.pwd, run.extra_inputs[0]))
        name = now.get(image) or configured_images(log.path, run.commit).get(image)
        for sub in subdatasets if not name else ():
            if sub["installed"] and image.startswith(sub["path"] + "/"):
                if sub["path"] not in inside:
                    inside[sub["path"]] = configured_images(log.path / sub["path"])
                found = inside[sub["path"]].get(image[len(sub["path"]) + 1:])
                name = f"{sub['path']}/{found}" if found else ""
        run.container_name = name or ""
