"""The read-only JSON API (django-ninja): see ``views``."""
