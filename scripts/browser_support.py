"""What the browser tests share (scripts/console_browser_test.py, scripts/live_browser_test.py,
and the live benchmarks): a daemon for a test, headless Chromium from Debian driven by
Selenium, checks that are counted, waits on a condition with a deadline, screenshots of
the whole page, requests from inside the page.

A test sets OUT (where screenshots go) before taking any.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

FAILURES = []
SIZES = {"phone": (360, 740), "desktop": (1366, 768)}
OUT = None


def check(ok, what):
    print(f"{'pass' if ok else 'FAIL'}  {what}", flush=True)
    if not ok:
        FAILURES.append(what)
    return ok


def browser(size, *extra_flags):
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={size[0]},{size[1]}",
                 "--lang=vi-VN", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", *extra_flags):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"), options=options)
    driver.set_window_size(*size)
    return driver


def shot(driver, name):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, f"{name}.png")
    # The whole page, not only the first screen: set the window as tall as the page.
    width = driver.get_window_size()["width"]
    height = driver.execute_script("return Math.max(document.body.scrollHeight, window.innerHeight)")
    driver.set_window_size(width, min(max(height + 140, 740), 4000))
    driver.save_screenshot(path)
    driver.set_window_size(width, SIZES["phone"][1] if width < 800 else SIZES["desktop"][1])
    return path


def text(driver, element_id):
    return driver.find_element(By.ID, element_id).text


def wait(driver, condition, seconds=15):
    def safe(d):
        try:
            return condition(d)
        except Exception:
            return False
    return WebDriverWait(driver, seconds, poll_frequency=0.1).until(safe)


def login(driver, name, password):
    driver.find_element(By.ID, "name").clear()
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").clear()
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()


def page(driver, route, section):
    driver.execute_script(f"location.hash = {json.dumps(route)}")
    wait(driver, lambda d: d.find_element(By.ID, section).is_displayed())


def fetch(driver, method, path, body=None, csrf=True):
    """A request from inside the page, as its own script would send it (or without the CSRF token)."""
    return driver.execute_async_script("""
        const [method, path, body, withToken, done] = arguments;
        const headers = {"Content-Type": "application/json"};
        if (withToken) headers["X-CSRF-Token"] = csrf;
        fetch(path, {method, headers, body: body === null ? undefined : JSON.stringify(body)})
          .then(async (r) => done({status: r.status, body: await r.text()}));
    """, method, path, body, csrf)


class TestStation:
    """A commcastd of `bin_dir` in a temporary directory, its link and console on free
    loopback ports, with `settings` (TOML: operators, schedule…) after the common part;
    and `commcast` against it."""

    def __init__(self, bin_dir, prefix, settings):
        self.bin = bin_dir
        self.work = tempfile.mkdtemp(prefix=prefix)
        self.socket = os.path.join(self.work, "control.sock")
        self.env = dict(os.environ, COMMCAST_SOCKET=self.socket)
        self.settings = settings

    def commcast(self, *args, stdin=None):
        r = subprocess.run([os.path.join(self.bin, "commcast"), *args], input=stdin, capture_output=True, env=self.env, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"commcast {' '.join(args)}: {r.stderr.decode(errors='replace')}")
        return r.stdout.decode()

    def start(self):
        """Starts the daemon; returns it and its status once the console and the link listen."""
        config = os.path.join(self.work, "commcastd.toml")
        with open(config, "w") as f:
            f.write(f'[daemon]\nstate_directory = "{self.work}/state"\n'
                    '[link]\nlisten_address = "127.0.0.1"\nport = 0\nheartbeat_seconds = 5\n'
                    f'[web]\nport = 0\n[control]\nsocket_path = "{self.socket}"\n{self.settings}')
        log = open(os.path.join(self.work, "commcastd.log"), "w")
        daemon = subprocess.Popen([os.path.join(self.bin, "commcastd"), "--config", config], stdout=log, stderr=log, env=self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if os.path.exists(self.socket):
                try:
                    status = json.loads(self.commcast("status", "--json"))
                    if status.get("console_address") and status.get("link_address"):
                        return daemon, status
                except RuntimeError:
                    pass
            time.sleep(0.1)
        daemon.kill()
        sys.exit("commcastd did not start:\n" + open(os.path.join(self.work, "commcastd.log")).read())


def log_in_at(driver, url, name, password):
    """Opens the console at `url` and logs in; returns when the overview shows."""
    driver.get(url)
    wait(driver, lambda d: d.find_element(By.ID, "login").is_displayed())
    login(driver, name, password)
    wait(driver, lambda d: d.find_element(By.ID, "overview").is_displayed())


def hold(driver, element_id, seconds=2.4):
    """Presses and holds a button, as a thumb would."""
    from selenium.webdriver.common.action_chains import ActionChains
    ActionChains(driver).click_and_hold(driver.find_element(By.ID, element_id)).pause(seconds).release().perform()


def microphone_on(driver):
    """On the live page: turns the (fake) microphone on and waits until the page may go live."""
    page(driver, "#/live", "live")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#live-zones input"))
    driver.find_element(By.ID, "live-mic").click()
    wait(driver, lambda d: d.find_element(By.ID, "live-hold").is_enabled(), 20)
