"""Outputs built from the store: Jekyll export, JSON Lines export."""
