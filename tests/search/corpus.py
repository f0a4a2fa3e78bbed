"""A small fixed corpus whose matches are known exactly."""

BIDS_HAXBY = {"Name": "Haxby visual", "License": "CC0", "datatypes": ["func", "anat"], "modalities": ["bold", "T1w"]}


def md(name, content):
    return {"extractor_name": name, "extractor_version": "1", "extraction_parameter": {}, "extracted_metadata": content}


RECORDS = [
    {"url": "https://github.com/lab/haxby.git", "ds_id": "aaaa-1", "tags": ["v1.0"], "head": "a1" * 20,
     "head_describe": "v1.0-2-gabc1234", "branches": {"master": {}, "git-annex": {}},
     "annexed_files_in_wt_count": 10, "annexed_files_in_wt_size": 1000, "annex_key_count": 10,
     "last_update_dt": "2024-05-01T00:00:00+00:00",
     "metadata": [md("bids_dataset", BIDS_HAXBY),
                  md("metalad_core", {"ds_id": "aaaa-1", "subdatasets": [], "has_run_records": True})]},
    {"url": "https://gin.g-node.org/lab/haxby", "ds_id": "aaaa-1", "tags": ["v1.0"], "head": "a1" * 20,
     "branches": {"master": {}, "git-annex": {}}, "annexed_files_in_wt_count": 10,
     "annexed_files_in_wt_size": 1000, "annex_key_count": 10, "last_update_dt": "2024-04-01T00:00:00+00:00",
     "metadata": [md("bids_dataset", BIDS_HAXBY)]},
    {"url": "https://github.com/other/forrest.git", "ds_id": "bbbb-2", "tags": None, "head": "b2" * 20,
     "branches": {"main": {}}, "last_update_dt": "2024-03-01T00:00:00+00:00",
     "metadata": [md("metalad_core", {"ds_id": "bbbb-2", "subdatasets": [{"ds_id": "aaaa-1", "path": "inputs/haxby"}],
                                      "has_run_records": False}),
                  md("bids_dataset", {"Name": "Forrest Gump", "License": "PDDL", "datatypes": ["func"],
                                      "modalities": ["bold"]})]},
    {"url": "/data/local/study", "ds_id": None, "tags": ["release"], "head": "c3" * 20,
     "branches": {"master": {}, "git-annex": {}}, "annexed_files_in_wt_count": 5, "annexed_files_in_wt_size": 50000,
     "annex_key_count": 7, "last_update_dt": "2024-02-01T00:00:00+00:00", "metadata": []},
    {"url": "https://example.org/ds005", "ds_id": "cccc-3", "tags": [], "head": "d4" * 20,
     "branches": {"master": {}}, "last_update_dt": "2024-01-01T00:00:00+00:00",
     "metadata": [md("bids_dataset", {"Name": "Mixed gambles", "License": "CC0", "datatypes": ["anat"],
                                      "Authors": ["Tom", "Haxby"]})]},
]

# query -> the urls (by position in RECORDS, from 1) it must match
EXPECTED = {
    "haxby": {1, 2, 3, 5},
    "HAXBY": {1, 2, 3, 5},
    '"haxby"': {1, 2, 3, 5},
    "url:haxby": {1, 2},
    "url:?haxby": {1, 2},
    "NOT url:haxby": {3, 4, 5},
    "NOT tags:v1": {3, 4, 5},  # 3 has no tags at all: NOT matches it too
    "NOT ds_id:aaaa": {3, 4, 5},  # 4 has no ds_id
    'metadata:"\\"License\\": \\"CC0\\""': {1, 2, 5},
    '"\\"license\\": \\"pddl\\""': {3},
    "metadata[metalad_core]:aaaa-1": {1, 3},
    'metadata[metalad_core]:"aaaa-1" AND NOT ds_id:aaaa-1': {3},
    "metadata[nonexistent]:haxby": set(),
    "metadata[bids_dataset,metalad_core]:forrest": {3},
    "haxby AND NOT url:github": {2, 5},
    "haxby NOT url:github": set(),  # as the registry reads it: the word "NOT" (a NOT b is (a "NOT") b)
    '(forrest OR gambles) AND metadata[bids_dataset]:"\\"func\\""': {3},
    "haxby OR release": {1, 2, 3, 4, 5},
    "NOT (haxby OR release)": set(),
    'url:="https://example.org/ds005"': {5},
    'url:="HTTPS://EXAMPLE.ORG/DS005"': {5},
    "url:=example": set(),
    "annexed_files_in_wt_count:>5": {1, 2},
    "annexed_files_in_wt_size:>1000": {4},
    "annex_key_count:=7": {4},
    'url:~"^https://gi"': {1, 2, 3},
    'url:~"^https://git"': {1, 3},
    'url:~"\\.git$"': {1, 3},  # only \" is unescaped: the pattern is \.git$
    "metadata[bids_dataset]:=CC0": {1, 2, 5},
    "metadata[bids_dataset]:=func": {1, 2, 3},
    "branches:=git-annex": {1, 2, 4},
    "tags:=V1.0": {1, 2},
    "tags:release": {4},
    "ds_id:3": {5},
    "head_describe:gabc": {1},
    "bids_dataset": {1, 2, 3, 5},
    "gump": {3},
}
