"""Previews in the dataset explorer, on the real demo datasets: images, tables, text, absent files, the viewer."""
import base64
import io
import re

import nibabel as nib
import numpy as np
from PIL import Image

from neurodata_widgets.datasets.widgets import DatasetExplorer
from neurodata_widgets.preview import volume_view, nifti_slices, preview_file

T1W = "raw/sub-01/anat/sub-01_T1w.nii.gz"


def _image(html: str) -> Image.Image:
    uri = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
    return Image.open(io.BytesIO(base64.b64decode(uri)))


def test_nifti_preview_shows_three_planes_of_the_phantom(demo):
    ex = DatasetExplorer(demo["superdataset"])
    ex.open_folder("raw/sub-01/anat")
    ex.selected = [T1W]
    ex.show_preview()
    html = ex.preview_area.value
    assert 'alt="Sagittal, coronal and axial middle slices of sub-01_T1w.nii.gz (40 x 48 x 40 voxels)"' in html
    image = _image(html)
    pixels = np.asarray(image)
    assert image.height == 160 and pixels.max() > 200 and pixels[0, 0] < 30  # a bright head on dark air
    assert not ex.viewer_button.disabled


def test_an_uncompressed_nifti_is_memory_mapped_and_only_its_slices_read(demo, tmp_path):
    """A plain .nii is mapped, not read (a gzip stream cannot be read out of order: it is decompressed once)."""
    plain = tmp_path / "sub-01_T1w.nii"
    nib.save(nib.load(f"{demo['superdataset']}/{T1W}"), str(plain))
    view = volume_view(nib.load(str(plain)))
    assert isinstance(view, np.memmap)  # nothing read yet: the three slices touch only their pages
    slices, _, shape = nifti_slices(plain)
    assert shape == (40, 48, 40) and [s.shape for s in slices] == [(40, 48), (40, 40), (48, 40)]


def test_table_json_text_and_svg_previews_escape_what_they_show(demo, tmp_path):
    table = preview_file(f"{demo['superdataset']}/raw/participants.tsv")
    assert table.kind == "table" and "<th>participant_id</th>" in table.html and "<td>sub-03</td>" in table.html
    hostile = tmp_path / "notes.json"
    hostile.write_text('{"x": "<script>alert(1)</script>"}')
    shown = preview_file(hostile).html
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    (tmp_path / "a.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')
    svg = preview_file(tmp_path / "a.svg")
    assert svg.html.startswith('<img class="ndw-preview-image" src="data:image/svg+xml;base64,') and svg.alt


def test_absent_file_says_what_getting_it_costs_then_previews_once_got(demo_clone):
    ex = DatasetExplorer(str(demo_clone))
    ex.open_folder("figures")
    ex.selected = ["figures/mean_intensity.png"]
    ex.show_preview()
    assert "is not on this disk. Getting it would transfer 407 B from" in ex.preview_area.value
    assert "store" in ex.preview_area.value  # the RIA store holds it
    assert ex.viewer_button.disabled
    job = ex.get()
    assert ex.wait(120) and job.state == "done"
    ex.selected = ["figures/mean_intensity.png"]
    ex.show_preview()
    assert 'alt="Image mean_intensity.png (180 x 120 pixels)"' in ex.preview_area.value


def test_open_viewer_loads_the_selected_image(demo):
    ex = DatasetExplorer(demo["superdataset"])
    ex.open_folder("raw/sub-01/anat")
    ex.selected = [T1W]
    ex.show_preview()
    viewer = ex.open_viewer()
    assert viewer in ex.viewer_area.children
    assert [v.name for v in viewer.volumes] == ["sub-01_T1w.nii.gz"]
    ex.viewer_area.children[-1].click()  # Close viewer
    assert ex.viewer_area.children == ()
