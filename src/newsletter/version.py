"""The distribution's name and version, apart from the package's exports so that reading them
imports nothing else."""

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "newsletter-toolkit"  # the name on the package index; the import package and command are `newsletter`

try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"
