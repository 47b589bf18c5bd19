"""Telling buyers by mail: their digest (digest.py) and sending it over SMTP (smtp.py)."""
