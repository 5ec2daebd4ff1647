"""argparse types shared by the `tb-confusion` subcommands: numbers checked by the core's own checks."""

import argparse

from tb_confusion.metrics._checks import check_nonnegative, check_unit_interval

_WANTED = {check_unit_interval: "a number in [0, 1]", check_nonnegative: "a finite number >= 0"}


def number(name, check):
    """An argparse type: the text as a float passing `check(name, value)`."""
    def parse(text):
        try:
            return check(name, float(text))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be {_WANTED[check]}; got {text!r}") from None

    return parse


def unit_interval(name):
    return number(name, check_unit_interval)


def nonnegative(name):
    return number(name, check_nonnegative)


def thresholds(text):
    """--thresholds T1,T2,...: one number in [0, 1] per label."""
    parse = unit_interval("--thresholds values")
    return [parse(part) for part in text.split(",")]


def count(name):
    """An argparse type: an integer >= 0."""
    def parse(text):
        if not text.isdigit():
            raise argparse.ArgumentTypeError(f"{name} must be an integer >= 0; got {text!r}")
        return int(text)

    return parse
