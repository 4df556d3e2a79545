"""Errors that the command line turns into exit codes.

Only :class:`InputError` is an expected failure: it means the user asked for
something we cannot do, and the CLI prints its message as one line and exits
with status 2.  Anything else escaping the library is a bug.
"""


class InputError(ValueError):
    """Bad user input: the message is shown to the user as it is."""
