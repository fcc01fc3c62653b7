import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the source language); pages pick their own language."""
    with translation.override("en"):
        yield
