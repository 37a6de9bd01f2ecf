"""The descriptor catalog: declarative connector descriptors stored by slug and SemVer version,
their life (draft → published → archived, a published version immutable) and the reads of the
admin API and of pinned sources (docs/descriptor.md). Its routes are in
``sluice_manager.admin.descriptors_api``."""
