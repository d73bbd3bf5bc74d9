#!/usr/bin/env python3
"""The web console in a real browser: headless Chromium (Debian's chromium and
chromium-driver) driven by Selenium, against the real daemon and simulated clusters.

It logs in (a wrong password first), checks that commune A's operator sees only A,
switches to English and back, watches the overview change when the clusters go
offline, logs out, and saves a screenshot of each page at a phone's size (360×740)
and a desktop's (1366×768) in OUT_DIR. Exit status: the number of failed checks.

Usage: scripts/console_browser_test.py [BIN_DIR] [OUT_DIR]
       (default .build/debug and .build/console-screenshots)
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug"))
OUT = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, ".build/console-screenshots"))
WORK = tempfile.mkdtemp(prefix="commcast-console-")
SOCKET = os.path.join(WORK, "control.sock")
ENV = dict(os.environ, COMMCAST_SOCKET=SOCKET)
FAILURES = []
SIZES = {"phone": (360, 740), "desktop": (1366, 768)}
PASSWORDS = {"Lan": "đồng lúa chín vàng", "Huyện": "sông nước miền tây 2026"}


def check(ok, what):
    print(f"{'pass' if ok else 'FAIL'}  {what}", flush=True)
    if not ok:
        FAILURES.append(what)


def commcast(*args, stdin=None):
    r = subprocess.run([os.path.join(BIN, "commcast"), *args], input=stdin, capture_output=True, env=ENV, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"commcast {' '.join(args)}: {r.stderr.decode(errors='replace')}")
    return r.stdout.decode()


def start_station():
    config = os.path.join(WORK, "commcastd.toml")
    with open(config, "w") as f:
        f.write(f'[daemon]\nstate_directory = "{WORK}/state"\n[link]\nlisten_address = "127.0.0.1"\nport = 0\nheartbeat_seconds = 5\n'
                f'[web]\nport = 0\n[control]\nsocket_path = "{SOCKET}"\n'
                '[[operators]]\nname = "Lan"\nzones = ["tinh/xa-a"]\n'
                '[[operators]]\nname = "Huyện"\nroles = ["operator", "supervisor"]\nzones = ["tinh"]\n')
    log = open(os.path.join(WORK, "commcastd.log"), "w")
    daemon = subprocess.Popen([os.path.join(BIN, "commcastd"), "--config", config], stdout=log, stderr=log, env=ENV)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if os.path.exists(SOCKET):
            try:
                status = json.loads(commcast("status", "--json"))
                if status.get("console_address") and status.get("link_address"):
                    return daemon, status
            except RuntimeError:
                pass
        time.sleep(0.1)
    daemon.kill()
    sys.exit("commcastd did not start:\n" + open(os.path.join(WORK, "commcastd.log")).read())


def seed():
    commcast("zone", "add", "tinh/xa-a", "--parents", "--quiet", "none")
    commcast("zone", "add", "tinh/xa-b")
    csv = os.path.join(WORK, "clusters.csv")
    with open(csv, "w") as f:
        f.write("id,name,zone\n" + "".join(f"a{n},Cụm A{n},tinh/xa-a\n" for n in range(3)) + "".join(f"b{n},Cụm B{n},tinh/xa-b\n" for n in range(2)))
    credentials = os.path.join(WORK, "credentials.csv")
    commcast("cluster", "import", csv, "--credentials", credentials)
    for name, password in PASSWORDS.items():
        commcast("operator", "passwd", name, stdin=f"{password}\n".encode())
    return credentials


def browser(size):
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={size[0]},{size[1]}",
                 "--lang=vi-VN"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"), options=options)
    driver.set_window_size(*size)
    return driver


def shot(driver, name):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, f"{name}.png")
    driver.save_screenshot(path)
    return path


def text(driver, element_id):
    return driver.find_element(By.ID, element_id).text


def wait(driver, condition, seconds=15):
    return WebDriverWait(driver, seconds, poll_frequency=0.1).until(lambda d: condition(d))


def login(driver, name, password):
    driver.find_element(By.ID, "name").clear()
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()


def run(url, sim):
    for label, size in SIZES.items():
        driver = browser(size)
        try:
            driver.get(url)
            wait(driver, lambda d: d.find_element(By.ID, "login").is_displayed())
            shot(driver, f"{label}-1-login")
            check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi", f"{label}: the page speaks Vietnamese first")

            login(driver, "Lan", "sai mật khẩu rồi")
            wait(driver, lambda d: d.find_element(By.ID, "login-error").is_displayed())
            check("Sai tên người dùng hoặc mật khẩu" in text(driver, "login-error"), f"{label}: a wrong password says so in Vietnamese")
            shot(driver, f"{label}-2-wrong-password")

            login(driver, "Lan", PASSWORDS["Lan"])
            wait(driver, lambda d: d.find_element(By.ID, "overview").is_displayed() and d.find_element(By.ID, "zones").text)
            wait(driver, lambda d: text(d, "n-online") == "3", 30)
            zones = text(driver, "zones")
            check("tinh/xa-a" in zones and "tinh/xa-b" not in zones, f"{label}: Lan sees commune A only ({zones!r})")
            check(text(driver, "n-online") == "3", f"{label}: three clusters online ({text(driver, 'n-online')})")
            shot(driver, f"{label}-3-overview")

            driver.find_element(By.ID, "lang").click()
            wait(driver, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
            check("Online" in driver.find_element(By.ID, "counts").text, f"{label}: the EN switch translates the overview")
            shot(driver, f"{label}-4-overview-en")
            driver.find_element(By.ID, "lang").click()

            if label == "desktop":
                # The clusters go away: the open console shows it without a reload.
                sim.terminate()
                sim.wait(timeout=30)
                started = time.monotonic()
                wait(driver, lambda d: text(d, "n-offline") == "3", 40)
                check(text(driver, "n-online") == "0", f"the overview showed three clusters offline {time.monotonic() - started:.0f} s after they went")
                shot(driver, f"{label}-5-offline")

            driver.find_element(By.ID, "logout").click()
            wait(driver, lambda d: d.find_element(By.ID, "login").is_displayed())
            driver.get(url)
            wait(driver, lambda d: d.find_element(By.ID, "login").is_displayed())
            check(True, f"{label}: after logging out the console asks for a login again")
            cookies = {c["name"]: c for c in driver.get_cookies()}
            check("commcast_session" not in cookies, f"{label}: the session cookie is gone after logout")

            # The supervisor of the district sees both communes.
            login(driver, "Huyện", PASSWORDS["Huyện"])
            wait(driver, lambda d: "tinh/xa-b" in d.find_element(By.ID, "zones").text)
            check("tinh/xa-a" in text(driver, "zones"), f"{label}: the district's supervisor sees both communes")
            shot(driver, f"{label}-6-district")
            # The one expected refusal: asking for a session before logging in (401).
            errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"
                      and not (e.get("source") == "network" and "/v1/session" in e.get("message", "") and "401" in e.get("message", ""))]
            check(not errors, f"{label}: no script errors or CSP violations in the browser's log ({errors[:2]})")
        finally:
            driver.quit()


def main():
    daemon, status = start_station()
    sim = None
    try:
        credentials = seed()
        with open(credentials) as f:
            lines = [l for l in f if l.startswith("a")]
        only_a = os.path.join(WORK, "a.csv")
        with open(only_a, "w") as f:
            f.write("id,credential\n" + "".join(lines))
        sim = subprocess.Popen([os.path.join(BIN, "commcast-sim"), "--station", status["link_address"], "--credentials", only_a,
                                "--duration", "600"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        run(f"http://{status['console_address']}/", sim)
    except Exception as e:
        check(False, f"stopped: {type(e).__name__}: {e}")
    finally:
        if sim and sim.poll() is None:
            sim.terminate()
        daemon.terminate()
        daemon.wait(timeout=30)
    print(f"\n{'all checks passed' if not FAILURES else f'{len(FAILURES)} failed'}; screenshots in {OUT}")
    return len(FAILURES)


if __name__ == "__main__":
    sys.exit(main())
