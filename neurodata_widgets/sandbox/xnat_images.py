"""The sandbox XNAT's images: DICOM series of the phantom and XNAT's scan snapshots.

A scan's DICOM resource is a series of MR instances, one per axial slice of the phantom
(:mod:`.phantom`), with the UIDs, geometry and descriptions a converter such as dcm2niix
needs to make a volume. Instances are encoded on request; every field that varies between
instances has a fixed width, so an instance's size is known from the matrix alone and a
listing of 20 000 files encodes nothing.

Snapshots are what XNAT's snapshot generator adds to a scan: a ``SNAPSHOTS`` resource
(format ``GIF``) holding ``<session id>_<scan id>_qc.gif`` (content ``ORIGINAL``) and its
thumbnail ``<session id>_<scan id>_qc_t.gif`` (content ``THUMBNAIL``).

Examples
--------
>>> from neurodata_widgets.sandbox.xnat_images import Series, instance_bytes, instance_size
>>> series = Series("XNAT_E00001", "sub-001_MR1", "XNAT_S00001", "sub-001", "2024-01-02", "1", "T1w",
...                 "MPRAGE sag 1mm", side=16, slices=4)
>>> data = instance_bytes(series, 0)
>>> data[128:132], len(data) == instance_size(16)
(b'DICM', True)
"""
from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass

FOV_MM = 192.0  # in-plane field of view
EXTENT_MM = 160.0  # head to foot extent covered by the slices
SNAPSHOT_MIN_PX = 128  # XNAT's snapshots are at least this wide; the thumbnail is half of it
MR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.4"


@dataclass(frozen=True)
class Series:
    """What one scan's instances share."""

    session_id: str
    session_label: str
    subject_id: str
    subject_label: str
    date: str  # YYYY-MM-DD
    scan_id: str
    scan_type: str
    description: str
    side: int = 32
    slices: int = 2


def matrix_side(file_size: int) -> int:
    """The image matrix (a multiple of 8, 8 to 512) whose pixel data is about ``file_size`` bytes."""
    side = int(round((max(file_size, 128) / 2) ** 0.5 / 8)) * 8
    return max(8, min(512, side))


def uid(*parts) -> str:
    """A UID under the ``2.25`` (UUID-derived) root, always 43 characters."""
    number = int(hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest(), 16) % (9 * 10**37)
    return f"2.25.{10**37 + number}"


def _text(value: str, width: int) -> str:
    return str(value)[:width].ljust(width)


def _num(value: float, width: int = 10) -> str:
    # zero-padded with a sign (DICOM's DS allows both): readers strip spaces, so spaces would not keep the width
    return f"{value:+0{width}.3f}"[:width]


def geometry(series: Series) -> dict:
    """Pixel spacing and slice thickness in millimetres."""
    return {"spacing": FOV_MM / series.side, "thickness": EXTENT_MM / series.slices}


# placeholders of the template instance (same widths as the values that replace them)
_NUMBER, _Z = "+7777777", "+77777.777"


def _dataset(series: Series, index: int | None):
    """The dataset of instance ``index``; ``None``: the series' template, with placeholders for what varies."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    geo = geometry(series)
    study = uid("study", series.session_id)
    sop = uid("instance", series.session_id, series.scan_id, "template" if index is None else index)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MR_IMAGE_STORAGE
    meta.MediaStorageSOPInstanceUID = sop
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = uid("neurodata-widgets sandbox")
    meta.ImplementationVersionName = "NDW_SANDBOX"
    ds = Dataset()
    ds.file_meta = meta
    ds.preamble = b"\0" * 128
    date = series.date.replace("-", "")[:8].ljust(8, "0")
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "ND"]
    ds.SOPClassUID = MR_IMAGE_STORAGE
    ds.SOPInstanceUID = sop
    ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = ds.ContentDate = date
    ds.StudyTime = ds.SeriesTime = "100000.000000"
    ds.AcquisitionTime = ds.ContentTime = "100000.000000"
    ds.AccessionNumber = _text(series.session_id, 16)
    ds.Modality = "MR"
    ds.Manufacturer = "NDW sandbox"
    ds.InstitutionName = "neurodata-widgets"
    ds.StudyDescription = _text(series.session_label, 64)
    ds.SeriesDescription = _text(series.description, 64)
    ds.ProtocolName = _text(series.description, 64)
    ds.PatientName = _text(series.subject_label, 64)
    ds.PatientID = _text(series.subject_id, 64)
    ds.PatientSex = "O"
    ds.ScanningSequence = "GR"
    ds.SequenceVariant = "SP"
    ds.MRAcquisitionType = "2D"
    ds.SliceThickness = _num(geo["thickness"])
    ds.SpacingBetweenSlices = _num(geo["thickness"])
    ds.RepetitionTime = "2000.000"
    ds.EchoTime = "30.000"
    ds.MagneticFieldStrength = "3"
    ds.StudyInstanceUID = study
    ds.SeriesInstanceUID = uid("series", series.session_id, series.scan_id)
    ds.StudyID = _text(series.session_label, 16)
    ds.SeriesNumber = f"{int(series.scan_id) if series.scan_id.isdigit() else 0:08d}"
    ds.InstanceNumber = _NUMBER if index is None else f"{index + 1:08d}"
    z = _Z if index is None else _num(_z(series, index))
    corner = -FOV_MM / 2 + geo["spacing"] / 2
    ds.ImagePositionPatient = [_num(corner), _num(corner), z]
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    ds.FrameOfReferenceUID = uid("frame", series.session_id)
    ds.SliceLocation = z
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = ds.Columns = series.side
    ds.PixelSpacing = [_num(geo["spacing"]), _num(geo["spacing"])]
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.WindowCenter = "500"
    ds.WindowWidth = "1000"
    ds.PixelData = (b"\0" * (series.side * series.side * 2) if index is None
                    else _pixels(series.side, index, series.slices, series.scan_type))
    return ds


def _z(series: Series, index: int) -> float:
    return -EXTENT_MM / 2 + (index + 0.5) * geometry(series)["thickness"]


def _encode(ds) -> bytes:
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


@functools.lru_cache(maxsize=512)
def _template(series: Series) -> bytes:
    return _encode(_dataset(series, None))


@functools.lru_cache(maxsize=256)
def _pixels(side: int, index: int, slices: int, scan_type: str) -> bytes:
    # every subject's scan of a type is the same phantom: a slice is computed once, then only encoded
    from .phantom import phantom_slice

    return phantom_slice(side, index, slices, scan_type).tobytes()


def instance_bytes(series: Series, index: int) -> bytes:
    """Instance ``index`` (0-based, inferior to superior) of the series as a DICOM Part 10 file.

    The series' template is encoded once; an instance is the template with its own UID, number,
    position and pixels written over the placeholders (every one has a fixed width), which is
    what lets a listing with md5 digests of thousands of instances answer quickly.
    """
    data = _template(series)
    template_uid = uid("instance", series.session_id, series.scan_id, "template").encode()
    data = data.replace(template_uid, uid("instance", series.session_id, series.scan_id, index).encode())
    data = data.replace(_NUMBER.encode(), f"{index + 1:08d}".encode())
    data = data.replace(_Z.encode(), _num(_z(series, index)).encode())
    pixels = _pixels(series.side, index, series.slices, series.scan_type)
    return data[: len(data) - len(pixels)] + pixels


@functools.lru_cache(maxsize=64)
def instance_size(side: int) -> int:
    """The size of every instance of a ``side`` x ``side`` series (all varying fields have a fixed width)."""
    return len(_template(Series("E", "L", "S", "L", "2024-01-01", "1", "T1w", "", side, 1)))


def snapshot_names(session_id: str, scan_id: str) -> tuple:
    """``(original, thumbnail)`` file names, as XNAT's snapshot generator names them."""
    return f"{session_id}_{scan_id}_qc.gif", f"{session_id}_{scan_id}_qc_t.gif"


@functools.lru_cache(maxsize=64)
def snapshot_gif(scan_type: str, side: int, slices: int, thumbnail: bool = False) -> bytes:
    """The middle slice as a GIF: at least 128 pixels wide, or half of that for the thumbnail."""
    from PIL import Image

    from .phantom import SCALE, phantom_slice

    pixels = (phantom_slice(side, slices // 2, slices, scan_type).astype("float") * 255 / SCALE).astype("uint8")
    width = max(side, SNAPSHOT_MIN_PX) // (2 if thumbnail else 1)
    image = Image.fromarray(pixels, mode="L").resize((width, width), Image.NEAREST)
    buf = io.BytesIO()
    image.save(buf, format="GIF")
    return buf.getvalue()
