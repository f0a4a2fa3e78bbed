import pytest

from neurodata_widgets.search.catalog import Catalog

from .corpus import RECORDS


@pytest.fixture
def corpus(tmp_path):
    """A catalog holding the fixed corpus; ``corpus.url_of[i]`` is record i's url (from 1)."""
    cat = Catalog(tmp_path / "corpus.sqlite")
    cat.add(RECORDS)
    cat.url_of = {i + 1: r["url"] for i, r in enumerate(RECORDS)}
    yield cat
    cat.close()
