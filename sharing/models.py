"""Sharing agreements, searches and revocations (see the sharing issue); agencies live in portal."""
