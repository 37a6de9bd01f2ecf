"""Database connectors: ``database_config`` tables read through an adapter, each row a document."""
