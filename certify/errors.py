"""Exceptions the command line turns into one-line messages and exit codes."""


class InputError(Exception):
    """Bad user input (support, pattern, matrix, file): exit status 2."""
