"""Horae's own version and the Kimai release whose API it speaks."""

from importlib.metadata import PackageNotFoundError, version

try:
    HORAE_VERSION = version("horae")
except PackageNotFoundError:  # running from a source tree
    HORAE_VERSION = "0.0.0"

# Clients check this to decide which API features exist.
KIMAI_VERSION = "2.66.0"
KIMAI_VERSION_ID = 26600
