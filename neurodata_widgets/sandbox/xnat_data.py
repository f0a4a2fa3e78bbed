"""The sandbox XNAT's archive: projects, subjects, sessions, scans, resources and files, generated from a seed.

Data comes from a seeded generator; file contents are tiny DICOM-like blobs made on the
fly, so a project of 20 000 files costs no disk. Resources have numeric ids (unique on the
site, as XNAT's ``xnat_abstractresource_id``) and hold files by their catalog path, which may
have sub-folders; sessions may have resources of their own.

Examples
--------
>>> from neurodata_widgets.sandbox.xnat_data import XnatArchive
>>> archive = XnatArchive()
>>> archive.build_archive(1, [("P1", "public")], subjects=1, sessions=1, scans=2, files=1)
>>> [s.type for s in next(iter(archive.experiments.values())).scans.values()]
['T1w', 'T2w']
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from pathlib import PurePosixPath

SCAN_TYPES = [("T1w", "MPRAGE sag 1mm"), ("T2w", "T2 SPACE sag"), ("bold", "fMRI rest AP"),
              ("dwi", "DTI 64dir"), ("fieldmap", "gre_field_mapping"), ("localizer", "AAHScout")]
QUALITIES = ["usable", "usable", "usable", "questionable", "unusable"]


@dataclass
class XFile:
    name: str  # path inside the resource's catalog, may hold sub-folders ("runA/0001.dcm")
    size: int
    seed: int
    digest: str | None = None  # overrides the true md5 (to simulate a corrupt catalog)
    data: bytes | None = None  # explicit content (hostile-name tests)

    @property
    def basename(self) -> str:
        return PurePosixPath(self.name).name


@dataclass
class XResource:
    id: int  # xnat_abstractresource_id: numeric, unique on the site
    label: str
    format: str = "DICOM"
    content: str = "RAW"
    files: list = field(default_factory=list)  # XFile


@dataclass
class XScan:
    id: str
    type: str
    quality: str
    series_description: str
    resources: dict = field(default_factory=dict)  # label -> XResource


@dataclass
class XExperiment:
    id: str
    label: str
    project: str
    subject: "XSubject"
    date: str
    scans: dict = field(default_factory=dict)  # id -> XScan
    resources: dict = field(default_factory=dict)  # session-level: label -> XResource
    assessors: dict = field(default_factory=dict)  # id -> XAssessor (derived data: FreeSurfer, QC)


@dataclass
class XAssessor:
    """Derived data of a session (XNAT's ``xnat:imageAssessorData`` kinds): its own ID from the site's
    experiment sequence, a label unique in the project, and "out" resources holding its files."""

    id: str
    label: str
    xsi_type: str  # fs:fsData, xnat:qcAssessmentData, ...
    session: "XExperiment"
    date: str
    resources: dict = field(default_factory=dict)  # label -> XResource

    @property
    def project(self) -> str:
        return self.session.project


# the assessor kinds the sandbox makes: xsiType, label suffix, resource label, files (catalog path, text)
ASSESSOR_KINDS = [
    ("fs:fsData", "freesurfer", "DATA", [
        ("stats/aseg.stats", "# Title Segmentation Statistics\n# Measure BrainSeg, BrainSegVol, Brain Segmentation Volume, "
                             "{vol}, mm^3\n"),
        ("stats/lh.aparc.stats", "# Title Cortical Parcellation Statistics\n# hemi lh\n"),
        ("scripts/recon-all.log", "recon-all -s {label} -all\nrecon-all finished without error\n")]),
    ("xnat:qcAssessmentData", "QC", "QC", [
        ("qc_report.txt", "{label}: {scans} scans reviewed, overall rating {rating}\n")]),
]


@dataclass
class XSubject:
    id: str
    label: str
    project: str
    experiments: list = field(default_factory=list)


@dataclass
class XProject:
    id: str
    name: str
    accessibility: str  # public | protected | private
    description: str = ""
    subjects: list = field(default_factory=list)


class XnatArchive:
    """The data a sandbox XNAT serves (a mixin of :class:`~.xnat_server.XnatServer`)."""

    def build_archive(self, seed=0, projects=(), subjects=3, sessions=2, scans=3, files=2, file_size=2048,
                      digests=True, session_resources=False, assessors=False) -> None:
        """Generate ``projects`` (``(id, accessibility)`` pairs) of subjects x sessions x scans x files.

        ``session_resources``: every session also gets a resource of its own (``QC``, one small report), as
        many real XNAT sessions have. ``assessors``: every session also gets derived data (a FreeSurfer
        ``fs:fsData`` when its first scan is usable, and an ``xnat:qcAssessmentData``), made after all
        sessions so the sessions' IDs do not depend on it.
        """
        self.digests = digests  # older XNAT data often has no digest in its catalogs
        self.file_size = file_size
        self.session_resources = session_resources
        self.projects: dict = {}
        self.experiments: dict = {}
        self._digests: dict = {}
        self._counter = {"S": 0, "E": 0, "R": 0}
        rng = random.Random(seed)
        for pid, access in projects:
            self.add_project(pid, access, subjects, sessions, scans, files, rng)
        if assessors:
            for exp in list(self.experiments.values()):
                self.add_assessors(exp, rng)
    def _new_resource(self, label: str, files=None, format: str = "DICOM", content: str = "RAW") -> XResource:
        self._counter["R"] += 1
        return XResource(self._counter["R"], label, format, content, files=list(files or []))

    def add_project(self, pid, accessibility="public", subjects=3, sessions=2, scans=3, files=2, rng=None):
        """Generate a project of ``subjects`` x ``sessions`` x ``scans`` x ``files``."""
        rng = rng or random.Random(hash(pid) & 0xFFFF)
        project = XProject(pid, pid.replace("_", " ").title(), accessibility, f"Sandbox {accessibility} project")
        self.projects[pid] = project
        for i in range(subjects):
            self._counter["S"] += 1
            subject = XSubject(f"XNAT_S{self._counter['S']:05d}", f"sub-{i + 1:03d}", pid)
            project.subjects.append(subject)
            for j in range(sessions):
                self._counter["E"] += 1
                exp = XExperiment(f"XNAT_E{self._counter['E']:05d}", f"{subject.label}_MR{j + 1}", pid, subject,
                                  f"2024-{1 + (i + j) % 12:02d}-{1 + (i * 7 + j) % 28:02d}")
                subject.experiments.append(exp)
                self.experiments[exp.id] = exp
                for k in range(scans):
                    stype, desc = SCAN_TYPES[k % len(SCAN_TYPES)]
                    scan = XScan(str(k + 1), stype, rng.choice(QUALITIES), desc)
                    scan.resources["DICOM"] = self._new_resource("DICOM", [
                        XFile(f"{exp.label}_{scan.id}_{n + 1:04d}.dcm",
                              max(256, int(self.file_size * rng.uniform(0.8, 1.2))), rng.getrandbits(32))
                        for n in range(files)])
                    exp.scans[scan.id] = scan
                if getattr(self, "session_resources", False):
                    report = f"{exp.label}: {scans} scans reviewed\n".encode()
                    exp.resources["QC"] = self._new_resource(
                        "QC", [XFile("qc/report.txt", len(report), 0, data=report)], format="TXT", content="QC")
        return project

    def add_assessors(self, exp: XExperiment, rng=None) -> list:
        """Give session ``exp`` its derived data (see :data:`ASSESSOR_KINDS`); the new assessors."""
        rng = rng or random.Random(exp.id)
        made = []
        first = next(iter(exp.scans.values()), None)
        for xsi_type, suffix, resource, files in ASSESSOR_KINDS:
            if xsi_type == "fs:fsData" and (first is None or first.quality == "unusable"):
                continue  # FreeSurfer needs a usable anatomical scan
            self._counter["E"] += 1
            label = f"{exp.label}_{suffix}"
            assessor = XAssessor(f"XNAT_E{self._counter['E']:05d}", label, xsi_type, exp, exp.date)
            values = {"label": label, "scans": len(exp.scans), "vol": f"{rng.uniform(9e5, 1.3e6):.1f}",
                      "rating": rng.choice(["pass", "pass", "questionable"])}
            texts = [(name, text.format(**values).encode()) for name, text in files]
            assessor.resources[resource] = self._new_resource(
                resource, [XFile(name, len(data), 0, data=data) for name, data in texts], format="TXT",
                content=suffix.upper())
            exp.assessors[assessor.id] = assessor
            made.append(assessor)
        return made

    def assessor(self, key: str, scope: str | None = None):
        """The assessor with ID ``key`` (or label, within project ``scope``), else ``None``."""
        for exp in self.experiments.values():
            for a in exp.assessors.values():
                if key == a.id or (key == a.label and scope in (None, a.project)):
                    return a
        return None

    def add_file(self, experiment: str, scan: str | None, name: str, data: bytes, resource: str = "DICOM",
                 digest: str | None = None) -> XFile:
        """Add a file with explicit content (and optionally a wrong ``digest``).

        ``scan=None`` puts it in a session-level resource; ``name`` is its catalog path and may
        hold sub-folders (``"runA/0001.dcm"``).
        """
        exp = self.experiments[experiment]
        holder = exp.resources if scan is None else exp.scans[scan].resources
        if resource not in holder:  # XNAT leaves a new resource's format empty unless it holds DICOM
            holder[resource] = self._new_resource(resource, **({} if resource == "DICOM" else
                                                              {"format": "", "content": ""}))
        xfile = XFile(name, len(data), 0, digest, data)
        holder[resource].files.append(xfile)
        return xfile

    def content(self, xfile: XFile) -> bytes:
        """The bytes of a file: a 128-byte preamble, ``DICM``, a few tags, then seeded filler."""
        if xfile.data is not None:
            return xfile.data
        head = b"\0" * 128 + b"DICM" + f"(0010,0010) {xfile.name}\n".encode()
        block = hashlib.sha256(xfile.seed.to_bytes(8, "little")).digest() * 2
        body = (block * (xfile.size // len(block) + 1))[: max(0, xfile.size - len(head))]
        return (head + body)[: xfile.size]

    def md5(self, xfile: XFile) -> str:
        key = id(xfile)
        if key not in self._digests:
            self._digests[key] = hashlib.md5(self.content(xfile)).hexdigest()
        return xfile.digest or self._digests[key]
