"""Search and document reads over ``documents``, which only the indexer writes (``reads``), and
their response bodies (``models``). The routes, ``/api/search`` and ``/api/documents/{id}``, are
in ``sluice_manager.admin.search_api``."""
