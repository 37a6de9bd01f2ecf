"""HTTP plumbing shared by every manager route: the one middleware, bearer tokens, body reading,
``HttpError`` and the error envelope, and the one table from domain errors to statuses."""
