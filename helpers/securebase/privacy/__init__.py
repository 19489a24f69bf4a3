"""Disclosure control shared by every summary and export: small-cell suppression and its audit."""
