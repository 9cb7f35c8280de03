"""The `/ui` jobs page in a real headless Chromium (Debian's, through its chromedriver) against the real server:
submit through the API, sign in, watch the job finish, open its plot; cancel from the page; no other key's jobs.

CI installs `chromium` and `chromium-driver` (.ci/run); elsewhere the test is skipped when they are missing.
With LATENTSAT_UI_SCREENSHOTS=DIR, the screenshots are also written to DIR (docs/images/ holds the committed ones).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from problems.generate import planted_partition
from service.client import Client
from tests.service.server import KEY_A, KEY_B, Server, running_server

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
)


def _need_browser() -> None:
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return
    if os.environ.get("CI"):
        pytest.fail("CI must install chromium and chromium-driver (see .ci/run)")
    pytest.skip("Debian's chromium and chromium-driver are not installed here")


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _need_browser()
    db = tmp_path_factory.mktemp("ui") / "jobs.db"
    # a 700 MB address-space cap per job: enough for the small jobs here, too little for `too_big_to_fit` (a failed job)
    env = {"LATENTSAT_API_KEYS": f"{KEY_A},{KEY_B}", "LATENTSAT_MEMORY_LIMIT_MB": "700"}
    with running_server(db, env) as server:
        yield server


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    _need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _wait_for(condition: Any, timeout: float = 90.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except Exception:  # the page is reloading itself: elements come and go
            value = None
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def _save(driver: Any, name: str, tmp_path: Path) -> Path:
    path = tmp_path / name
    driver.save_screenshot(str(path))
    target = os.environ.get("LATENTSAT_UI_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / name)
    return path


def _sign_in(driver: Any, server: Server, key: str) -> None:
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(server.url + "/ui")
    assert driver.current_url.endswith("/ui/login")  # a key is needed: no job is shown before
    driver.find_element(By.ID, "key").send_keys(key)
    driver.find_element(By.ID, "sign-in").click()
    _wait_for(lambda: driver.current_url.endswith("/ui"), 20, "the jobs page after signing in")


def test_submit_watch_it_finish_and_open_the_plot(
    ui_server: Server, browser: Any, unique_instance: dict[str, Any], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    with Client(ui_server.url, KEY_A) as client:
        job = client.submit(unique_instance, options={"time_limit": 60, "unique": True})
    with Client(ui_server.url, KEY_B) as client:
        other = client.submit(unique_instance, options={"time_limit": 60})

    _sign_in(browser, ui_server, KEY_A)
    row = browser.find_element(By.CSS_SELECTOR, f'tr[data-job="{job["id"]}"]')
    assert row.is_displayed()
    assert not browser.find_elements(By.CSS_SELECTOR, f'tr[data-job="{other["id"]}"]')  # key B's job stays hidden

    row.find_element(By.TAG_NAME, "a").click()
    state = _wait_for(
        lambda: browser.find_element(By.ID, "state").text == "done" and browser.find_element(By.ID, "state"),
        what="the job page to show the job done",
    )
    assert state.text == "done"
    assert browser.find_element(By.ID, "status").text in ("unique", "solved")
    assert (
        "drup" in browser.find_element(By.ID, "certificate").text
        or "solution" in browser.find_element(By.ID, "certificate").text
    )
    assert "finished" in browser.find_element(By.ID, "log").text
    plot = browser.find_element(By.ID, "plot")
    _wait_for(lambda: browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", plot))
    assert browser.execute_script("return arguments[0].naturalWidth", plot) > 400

    _save(browser, "ui-job.png", tmp_path)
    plot.click()  # open the plot itself
    _wait_for(lambda: browser.current_url.endswith("/plot.png"), 20, "the plot to open")
    size = browser.execute_script("const i = document.images[0]; return [i.naturalWidth, i.naturalHeight]")
    assert size[0] > 400 and size[1] > 300
    _save(browser, "ui-plot.png", tmp_path)

    browser.get(ui_server.url + f"/ui/jobs/{other['id']}")  # key B's job by its URL: not found for key A
    assert "No job" in browser.find_element(By.TAG_NAME, "h1").text


def test_cancel_from_the_page(ui_server: Server, browser: Any, long_instance: dict[str, Any]) -> None:
    from selenium.webdriver.common.by import By

    with Client(ui_server.url, KEY_A) as client:
        job = client.submit(long_instance, options={"backend": "pysat", "time_limit": 120})
    _sign_in(browser, ui_server, KEY_A)
    browser.get(ui_server.url + f"/ui/jobs/{job['id']}")
    _wait_for(lambda: browser.find_element(By.ID, "cancel"), 20, "the cancel button").click()
    _wait_for(lambda: browser.find_element(By.ID, "state").text == "cancelled", 30, "the job to be cancelled")
    with Client(ui_server.url, KEY_A) as client:
        assert client.job(job["id"])["state"] == "cancelled"


def test_jobs_page_shows_every_state(
    ui_server: Server, browser: Any, small_instance: dict[str, Any], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    with Client(ui_server.url, KEY_A) as client:
        client.submit(small_instance, options={"time_limit": 30}, wait=20)
        too_big_to_fit = planted_partition(3, 1000, 3, 2, factor=8, seed=1)[0].to_json_dict()  # over the memory cap
        failed = client.submit(too_big_to_fit, options={"backend": "pysat", "time_limit": 30}, wait=60)
        assert failed["state"] == "failed", failed
        waiting = [client.submit(small_instance, options={"time_limit": 30, "seed": s}) for s in range(1, 4)]
    _sign_in(browser, ui_server, KEY_A)
    states = {e.text for e in browser.find_elements(By.CSS_SELECTOR, "#jobs .state")}
    assert {"done", "failed", "cancelled"} <= states
    _wait_for(
        lambda: all(browser.find_element(By.CSS_SELECTOR, f'tr[data-job="{j["id"]}"] .status').text for j in waiting),
        what="the page to reload itself until the queued jobs are done",
    )
    assert _save(browser, "ui-jobs.png", tmp_path).stat().st_size > 10_000
