"""Sync runs: lifecycle transitions, creation under locks, trigger and dispatch."""
