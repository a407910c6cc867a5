"""Arena tests train tiny networks: one intra-op thread is fastest and leaves the other core free."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _one_thread(single_thread):
    yield
