"""Selenium helpers for tools/browser_test.py: a headless Chromium for a closed network, waiting, JupyterLab menus."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

# Without the background-networking flags Chromium's own connections are refused on a closed network and it stalls.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1400,1000", "--lang=ko-KR")


def chromium_driver(chromium: str, chromedriver: str, profile: Path) -> Any:
    """A headless Chromium driven by the system's chromedriver, with a fresh profile and the console log kept."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)


def wait_for(condition: Callable[[], Any], timeout: float, what: str, every: float = 0.5) -> Any:
    """Poll `condition` until it returns something true; TimeoutError naming `what` (and the last error) if not."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as err:  # not ready yet (connection refused, element gone): try again
            last = err
        time.sleep(every)
    raise TimeoutError(f"waited {timeout:.0f} s for {what}" + (f" (last: {type(last).__name__}: {last})" if last else ""))


def menu_command(driver: Any, menu: str, labels: tuple[str, ...]) -> None:
    """Click a JupyterLab main-menu title (e.g. 'Run') and then its item labelled with the first of `labels` shown."""
    def title() -> Any:
        return next(e for e in driver.find_elements("css selector", ".lm-MenuBar-item") if e.text.strip() == menu)

    def item() -> Any:
        shown = {e.text.strip(): e for e in driver.find_elements("css selector", "li.lm-Menu-item .lm-Menu-itemLabel")
                 if e.is_displayed()}
        return next((shown[label] for label in labels if label in shown), None)

    wait_for(title, 30, f"the {menu} menu").click()
    wait_for(item, 10, f"{' or '.join(labels)} in the {menu} menu").click()
