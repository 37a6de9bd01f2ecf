"""HTTP plumbing shared by every manager route: error envelope, auth, body reading."""
