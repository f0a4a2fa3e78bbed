"""The portal: one page composing every slice's widgets (see ``notebooks/portal.ipynb``)."""
