"""Horae: a time-tracking server that speaks the Kimai 2 JSON API."""
