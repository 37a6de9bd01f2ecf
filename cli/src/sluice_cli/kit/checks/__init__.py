"""The checks of ``sluice connector review``: ``code`` (Python, through ``ast``) and
``descriptors``."""
