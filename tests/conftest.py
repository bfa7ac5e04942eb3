"""Shared helpers.  Every certificate the engine emits goes through
``certify.engine.decide``, which replays it with the independent checker
before returning (self-check); ``decided`` below additionally re-checks the
serialised bytes, so a test cannot pass on an unchecked certificate."""

import json

import pytest

from certify import certificate
from certify.checker import check_certificate
from certify.engine import decide
from certify.patterns import build_pattern
from certify.support import from_masks


def accepted(cert: dict):
    """Serialise, parse back and check: the verdict object."""
    return check_certificate(json.loads(certificate.dumps(cert)))


def decided(support_or_spec, expect=None):
    support = build_pattern(support_or_spec) if isinstance(support_or_spec, str) else support_or_spec
    d = decide(support)
    assert d.internal_error is None, d.internal_error
    if expect is not None:
        assert d.verdict == expect, (support_or_spec, d.verdict, d.explanation)
    if d.certificate is not None:
        v = accepted(d.certificate)
        assert v.accepted, v.message
        assert v.claim == d.verdict
    return d


@pytest.fixture
def masks():
    return from_masks
