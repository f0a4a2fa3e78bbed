"""CONP-shaped datasets on the sandbox's Globus collections, made the way CONP's tools make them.

A CONP maintainer downloads a published dataset from its Globus collection, saves it as a
DataLad dataset, then runs CONP's registration: ``git annex initremote globus type=external
externaltype=globus encryption=none endpoint=<collection name> fileprefix=<prefix>``, and for
every annexed file ``git annex setpresentkey <key> <globus uuid> 1`` and ``git annex registerurl
<key> globus://<name lower case>/<prefix>/<path>``. The dataset is published without its
content (on GitHub), so a user's clone can only get files from Globus.

:func:`build_conp_datasets` does exactly that on a running sandbox, twice:

``conp-open``
    on the public collection (downloads need no token);
``conp-login``
    on a login-only collection (downloads need the collection's HTTPS token).

The ``origin`` of each is a plain git repository holding no annexed content.

Examples
--------
>>> from neurodata_widgets.sandbox.conp_data import build_conp_datasets
>>> info = build_conp_datasets(sandbox["globus"], tmp)
>>> info["open"]["url"].endswith("conp-open"), "sub-01/anat/sub-01_T1w.nii.gz" in info["open"]["files"]
(True, True)
"""
from __future__ import annotations

import os
import random
from pathlib import Path

FILEPREFIX = "/conp/published/publication_42/submitted_data"
FILES = {  # path in the dataset -> size in bytes (content is seeded random bytes, text for small files)
    "participants.tsv": None,
    "dataset_description.json": None,
    "sub-01/anat/sub-01_T1w.nii.gz": 300_000,
    "sub-02/anat/sub-02_T1w.nii.gz": 300_000,
}


def collections(server) -> dict:
    """``{"open": id, "login": id}``: the sandbox's public collection and one that serves only a login."""
    info = server.info()
    return {"open": info["public_collection"], "login": info["destination_collection"]}


def _content(path: str, size, rng: random.Random) -> bytes:
    if path.endswith(".tsv"):
        return b"participant_id\tage\tsex\nsub-01\t34\tF\nsub-02\t29\tM\n"
    if path.endswith(".json"):
        return b'{"Name": "CONP sandbox example", "BIDSVersion": "1.8.0", "License": "CC0"}\n'
    return rng.randbytes(size)


def publish_on_collection(server, collection_id: str, fileprefix: str = FILEPREFIX, seed: int = 42) -> Path:
    """Put the example files on a sandbox collection under ``fileprefix`` (what the data provider did)."""
    rng = random.Random(seed)
    base = server.collection_dir(collection_id) / fileprefix.strip("/")
    for rel, size in FILES.items():
        target = base / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.write_bytes(_content(rel, size, rng))
    return base


def build_conp_dataset(server, collection_id: str, target, fileprefix: str = FILEPREFIX,
                       files: dict | None = None) -> dict:
    """One CONP dataset for one collection; returns ``url`` (to clone), ``endpoint``, ``fileprefix``, ``files``.

    ``target`` must not exist yet. The maintainer's work happens in ``target + '-maintainer'``;
    ``target`` is the published (content-free) repository users clone. ``files`` (``{path: bytes}``)
    are published on the collection instead of the example files.
    """
    import datalad.api as dl

    from .. import repo
    from ..globus.conp import conp_url, record_urls

    target = Path(target)
    endpoint = server.collections[collection_id]["display_name"]
    if files is None:
        source = publish_on_collection(server, collection_id, fileprefix)
    else:
        source = server.collection_dir(collection_id) / fileprefix.strip("/")
        for rel, content in files.items():
            (source / rel).parent.mkdir(parents=True, exist_ok=True)
            (source / rel).write_bytes(content)
    names = list(FILES if files is None else files)
    work = target.with_name(target.name + "-maintainer")
    ds = dl.create(path=str(work), result_renderer="disabled")
    for rel in names:  # the maintainer's download of the published data
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_bytes((source / rel).read_bytes())
    (work / "README.md").write_text(f"# CONP sandbox example on {endpoint}\n\nFiles live on Globus; "
                                    "`git annex enableremote globus` then `datalad get`.\n")
    ds.save(path=[str(work / rel) for rel in names], message="Add the published files", result_renderer="disabled")
    ds.save(path=str(work / "README.md"), to_git=True, message="Describe the dataset", result_renderer="disabled")
    repo.annex(work, "initremote", "globus", "type=external", "externaltype=globus",
         "encryption=none", f"endpoint={endpoint}", f"fileprefix={fileprefix}")
    uuid = repo.config(work, "remote.globus.annex-uuid")
    # CONP's retrieve: key from the symlink, then registerurl and setpresentkey (here in batch mode)
    record_urls(work, uuid, [(os.readlink(work / rel).rsplit("/", 1)[-1], conp_url(endpoint, fileprefix, rel))
                             for rel in names])
    # the published copy holds no content: users can only get files from Globus
    repo.annex(work, "drop", "--force", ".")
    repo.annex(work, "dead", "here")
    repo.run(target.parent, "clone", "--bare", "--quiet", str(work), str(target))
    return {"url": str(target), "maintainer": str(work), "endpoint": endpoint, "collection": collection_id,
            "fileprefix": fileprefix, "files": names, "uuid": uuid}


def build_conp_datasets(server, root) -> dict:
    """Both example datasets under ``root``: ``{"open": {...}, "login": {...}}`` (see :func:`build_conp_dataset`)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    ids = collections(server)
    return {kind: build_conp_dataset(server, cid, root / f"conp-{kind}") for kind, cid in ids.items()}
