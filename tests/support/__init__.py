"""Shared test fixtures and builders."""
