"""Synthetic, realistic DataLad-Registry records (for the sandbox registry and the benchmark).

Records look like what the registry holds: several URLs per dataset (clones on
GitHub, GIN, datasets.datalad.org), datasets reused as subdatasets of others,
``metalad_core``, ``bids_dataset`` and ``annex_stats`` metadata of about 2 KB.

Examples
--------
>>> recs = list(synthetic_records(3, seed=1))
>>> sorted(recs[0])[:4]
['annex_key_count', 'annexed_files_in_wt_count', 'annexed_files_in_wt_size', 'branches']
"""
from __future__ import annotations

import random
import uuid

SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "qui", "dro", "fen", "gal", "hux",
             "jor", "bel", "cor", "dex", "fyl", "mor", "nix", "pol", "rav", "sil", "tor", "ulm", "ver", "wyn", "yas")
TOPICS = ("visual cortex", "auditory", "resting state", "memory", "language", "motor", "attention", "reward",
          "sleep", "face perception", "navigation", "decision making", "pain", "emotion", "working memory")
DATATYPES = ("anat", "func", "dwi", "fmap", "eeg", "meg", "pet", "beh", "perf", "ieeg")
MODALITIES = {"anat": ("T1w", "T2w", "FLAIR"), "func": ("bold", "sbref"), "dwi": ("dwi",), "fmap": ("phasediff",
              "magnitude1"), "eeg": ("eeg",), "meg": ("meg",), "pet": ("pet",), "beh": ("beh",), "perf": ("asl",),
              "ieeg": ("ieeg",)}
LICENSES = ("CC0", "PDDL", "CC-BY-4.0", "ODbL", "CC-BY-SA-4.0")
HOSTS = ("https://github.com/{org}/{name}.git", "https://gin.g-node.org/{org}/{name}",
         "https://datasets.datalad.org/{org}/{name}/.git", "https://github.com/OpenNeuroDatasets/{name}.git")
FIRST = ("Ada", "Alan", "Grace", "Marie", "Rosalind", "Santiago", "Camillo", "Brenda", "Eric", "Ann", "Yael", "Jim")
LAST = ("Lovelace", "Turing", "Hopper", "Curie", "Franklin", "Cajal", "Golgi", "Milner", "Kandel", "Graybiel",
        "Niv", "Hubel")


def _words(rng, n=3000):
    out = set()
    while len(out) < n:
        out.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(out)


def synthetic_records(n: int, seed: int = 0, clones: float = 0.15, reuse: float = 0.2):
    """Yield ``n`` registry-shaped records (``url``, fields, ``metadata`` with content).

    Parameters
    ----------
    clones : float
        Fraction of records that are another URL of an earlier dataset (same ds_id).
    reuse : float
        Fraction of datasets that list earlier datasets as subdatasets.
    """
    rng = random.Random(seed)
    words = _words(rng)
    datasets: list = []  # (ds_id, name, core, bids, annex) of earlier datasets
    for i in range(n):
        if datasets and rng.random() < clones:
            ds_id, name, md, sizes = rng.choice(datasets)
            org = rng.choice(words)
        else:
            ds_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            name = f"ds{i:06d}-{rng.choice(words)}"
            org = rng.choice(words)
            md, sizes = _metadata(rng, words, ds_id, name, datasets, rng.random() < reuse)
            datasets.append((ds_id, name, md, sizes))
        url = rng.choice(HOSTS).format(org=org, name=name)
        head = "%040x" % rng.getrandbits(160)
        tag = f"{rng.randint(1, 3)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}"
        day = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00+00:00"
        files, size, keys = sizes
        yield {"url": url, "ds_id": ds_id, "head": head, "head_describe": f"{tag}-{rng.randint(1, 40)}-g{head[:7]}",
               "branches": {"master": {"hexsha": head, "last_commit_dt": day},
                            "git-annex": {"hexsha": "%040x" % rng.getrandbits(160), "last_commit_dt": day}},
               "tags": [tag], "annex_key_count": keys, "annexed_files_in_wt_count": files,
               "annexed_files_in_wt_size": size, "git_objects_kb": rng.randint(50, 200000), "last_update_dt": day,
               "metadata": md}


def _metadata(rng, words, ds_id, name, earlier, reuses):
    authors = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(1, 5))]
    topic = rng.choice(TOPICS)
    types = sorted(rng.sample(DATATYPES, rng.randint(1, 3)))
    mods = sorted({rng.choice(MODALITIES[t]) for t in types for _ in range(2)})
    license_ = rng.choice(LICENSES)
    subjects = rng.randint(1, 200)
    subs = [{"ds_id": d[0], "path": d[1]} for d in rng.sample(earlier, min(len(earlier), rng.randint(1, 3)))] \
        if earlier and reuses else []
    desc = " ".join(rng.choice(words) for _ in range(12))
    if len(earlier) % 400 == 3 or rng.random() < 0.001:  # a few, as in the real registry
        desc = "Haxby faces and objects in ventral temporal cortex, " + desc
    runs = rng.randint(0, 30) if rng.random() < 0.3 else 0
    core = {"ds_id": ds_id, "name": name, "description": f"{topic.capitalize()} study: {desc}",
            "authors": authors, "license": license_, "subdatasets": subs, "run_records": runs,
            "has_run_records": runs > 0, "keywords": rng.sample(words, 4) + [topic]}
    bids = {"Name": f"{topic.title()} {rng.choice(words)}", "BIDSVersion": rng.choice(("1.6.0", "1.7.0", "1.8.0")),
            "License": license_, "Authors": authors, "DatasetType": "raw",
            "Acknowledgements": " ".join(rng.choice(words) for _ in range(20)),
            "HowToAcknowledge": "Please cite " + " ".join(rng.choice(words) for _ in range(8)),
            "Funding": [f"{rng.choice(words).upper()} grant {rng.randint(10000, 99999)}"],
            "ReferencesAndLinks": [f"https://doi.org/10.{rng.randint(1000, 9999)}/{rng.choice(words)}"],
            "DatasetDOI": f"10.18112/openneuro.{name[:8]}.v1.0.{rng.randint(0, 9)}",
            "participants": {"count": subjects, "columns": ["participant_id", "age", "sex"],
                             "sex": {"F": subjects // 2, "M": subjects - subjects // 2}},
            "datatypes": types, "modalities": mods, "tasks": [rng.choice(words) for _ in range(rng.randint(0, 3))],
            "entities": {"subject": [f"sub-{j:03d}" for j in range(1, min(subjects, 25) + 1)]}}
    files = rng.randint(10, 20000)
    size = files * rng.randint(10_000, 50_000_000)
    keys = files + rng.randint(0, 500)
    annex = {"annexed_files_in_wt_count": files, "annexed_files_in_wt_size": size, "annex_key_count": keys,
             "extensions": {".nii.gz": files // 2, ".json": files // 3, ".tsv": files - files // 2 - files // 3}}
    md = [{"extractor_name": "metalad_core", "extractor_version": "1", "extracted_metadata": core},
          {"extractor_name": "bids_dataset", "extractor_version": "1", "extracted_metadata": bids},
          {"extractor_name": "annex_stats", "extractor_version": "1", "extracted_metadata": annex}]
    return md, (files, size, keys)
