"""Sources and their credentials: storage, validation, encryption, admin writes and the purge of
deleted sources. Their routes are in ``sluice_manager.admin`` (``/api/sources``) and
``sluice_manager.sdk_api`` (the §4.7 reads)."""
