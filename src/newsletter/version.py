"""The distribution's name and version, apart from the package's exports so that reading them
imports nothing else. The version is written here (hatch reads it for the wheel), not looked up
in the installed metadata: that lookup alone cost more than the rest of `newsletter --version`."""

DISTRIBUTION = "newsletter-toolkit"  # the name on the package index; the import package and command are `newsletter`
__version__ = "0.1.0"
