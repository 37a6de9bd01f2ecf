"""The connector registry (protocol §8.1): rows in Postgres, online while heartbeats are fresh."""
