"""Errors a user can act on: the CLI prints their message and exits 1, without a traceback."""


class ShortageRadarError(Exception):
    """Base of the errors caused by the user's data or configuration, not by a bug."""


class ConfigError(ShortageRadarError):
    """A setting has a value that is not allowed."""


class DataError(ShortageRadarError):
    """The input feeds cannot make a run (for example a required feed is missing)."""
