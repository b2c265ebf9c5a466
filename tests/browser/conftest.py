"""Browser tests: marked `browser`, skipped with a message when Debian chromium is missing,
and given one headless chromium per test (never a downloaded browser)."""

import os

import pytest

from tests.browser.support import ARGS, CHROMIUM


def pytest_collection_modifyitems(config, items):
    missing = not os.path.exists(CHROMIUM) and not os.environ.get("RELAY_BROWSER_TESTS")
    skip = pytest.mark.skip(reason="Debian chromium is not installed (apt-get install chromium)")
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if missing:
                item.add_marker(skip)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()
