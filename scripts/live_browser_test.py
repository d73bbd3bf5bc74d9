#!/usr/bin/env python3
"""An emergency broadcast from a phone's browser, end to end: headless Chromium whose
microphone is a WAV file of known tones (--use-file-for-fake-audio-capture), the real
daemon, and simulated clusters that decode what they play and keep it as WAV files
(commcast-sim --live-audio-dir), measured here with a Goertzel filter per tone.

Through a TCP proxy between the browser and the console that can cut every
connection, as a 4G cell drops a phone:
- commune A's operator (no emergency role) is offered no emergency, and the station
  refuses one she asks for by hand;
- the district's emergency operator goes live from the phone (WebCodecs Opus): a
  bulletin playing is preempted and counted interrupted; the connection is cut for
  2 s and the broadcast resumes (no second live_start to the clusters); the tones
  arrive at every cluster, in order;
- cut past the grace period: the station ends the broadcast, the clusters are told
  and the audit log says why, and the page says so once it is back;
- a browser without WebCodecs' Opus sends 16 kHz PCM that the station encodes;
- a prepared file is sent live and the broadcast ends with it.
Screenshots in OUT_DIR. Exit status: the number of failed checks.

Usage: scripts/live_browser_test.py [BIN_DIR] [OUT_DIR]
       (default .build/debug and .build/live-screenshots)
"""
import datetime
import glob
import json
import math
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import wave
import zoneinfo

from selenium.webdriver.common.by import By

import browser_support
from browser_support import FAILURES, SIZES, TestStation, browser, check, fetch, hold, log_in_at, microphone_on, page, shot, text, wait

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug"))
OUT = browser_support.OUT = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, ".build/live-screenshots"))
GRACE = 6
PASSWORDS = {"Lan": "đồng lúa chín vàng", "Hùng": "báo động lũ quét 2026"}
STATION = TestStation(
    BIN, "commcast-live-",
    f'[schedule]\nquiet_hours = "none"\n[live]\nreconnect_grace_seconds = {GRACE}\n'
    '[[operators]]\nname = "Lan"\nzones = ["tinh/xa-a"]\n'
    '[[operators]]\nname = "Hùng"\nroles = ["operator", "emergency"]\nzones = ["tinh"]\n')
WORK = STATION.work
AUDIO = os.path.join(WORK, "played")
commcast = STATION.commcast
# The microphone: 0.3 s of silence, then six tones of 0.3 s with 0.1 s between, again and again.
TONES = [500, 700, 900, 1100, 1300, 1500]
FILE_TONES = [2000, 2400, 2800]
CLUSTERS = ["a0", "a1", "a2", "b0"]


def tones_wav(path, tones, lead=0.3, tone=0.3, gap=0.1, repeat=1, rate=48000):
    samples = [0] * int(rate * lead)
    for _ in range(repeat):
        for hz in tones:
            n = int(rate * tone)
            # 10 ms ramps: no clicks for the codec to smear into the neighbours' bands.
            samples += [int(12000 * min(1, i / 480, (n - i) / 480) * math.sin(2 * math.pi * hz * i / rate)) for i in range(n)]
            samples += [0] * int(rate * gap)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return path


def tone_sequence(path, tones):
    """The tones heard in a WAV file, in order: each 20 ms window whose energy sits
    in one tone's band (Goertzel), runs of at least 100 ms, repeats merged."""
    with wave.open(path) as w:
        rate = w.getframerate()
        data = w.readframes(w.getnframes())
    samples = struct.unpack(f"<{len(data) // 2}h", data)
    size = rate // 50
    coefficients = [2 * math.cos(2 * math.pi * hz / rate) for hz in tones]
    labels = []
    for start in range(0, len(samples) - size, size):
        window = samples[start:start + size]
        total = sum(x * x for x in window) or 1
        powers = []
        for c in coefficients:
            s1 = s2 = 0.0
            for x in window:
                s1, s2 = x + c * s1 - s2, s1
            powers.append((s1 * s1 + s2 * s2 - c * s1 * s2) / (size / 2))
        best = max(range(len(tones)), key=lambda i: powers[i])
        # The tone holds most of the window's energy, and the window is not near silence.
        labels.append(best if powers[best] > 0.5 * total and total / size > 1e4 else None)
    runs = []
    for label in labels:
        if runs and runs[-1][0] == label:
            runs[-1][1] += 1
        else:
            runs.append([label, 1])
    sequence = []
    for label, length in runs:
        if label is not None and length >= 5 and (not sequence or sequence[-1] != label):
            sequence.append(label)
    return sequence


def in_order(sequence, count):
    """How many steps of `sequence` go to the next tone of the cycle of `count`."""
    return sum(1 for a, b in zip(sequence, sequence[1:]) if b == (a + 1) % count)


class CuttableProxy:
    """A TCP proxy from 127.0.0.1:port to the console that can drop every connection
    and refuse new ones for a while: a phone's 4G connection going away."""

    def __init__(self, target):
        self.target = target
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.down_until = 0
        self.open = []
        self.lock = threading.Lock()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            client, _ = self.listener.accept()
            if time.monotonic() < self.down_until:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self, seconds):
        self.down_until = time.monotonic() + seconds
        with self.lock:
            sockets, self.open = self.open, []
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass


def seed():
    commcast("zone", "add", "tinh/xa-a", "--parents")
    commcast("zone", "add", "tinh/xa-b")
    csv = os.path.join(WORK, "clusters.csv")
    with open(csv, "w") as f:
        f.write("id,name,zone\n" + "".join(f"{c},Cụm {c.upper()},tinh/xa-{c[0]}\n" for c in CLUSTERS))
    credentials = os.path.join(WORK, "credentials.csv")
    commcast("cluster", "import", csv, "--credentials", credentials)
    for name, password in PASSWORDS.items():
        commcast("operator", "passwd", name, stdin=f"{password}\n".encode())
    return credentials


def go_live(driver, label, source="phone"):
    if source == "phone_file":
        page(driver, "#/live", "live")
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#live-zones input"))
        driver.find_element(By.CSS_SELECTOR, "input[name=live-source][value=phone_file]").click()
        driver.find_element(By.ID, "live-file").send_keys(tones_wav(os.path.join(WORK, "prepared.wav"), FILE_TONES, repeat=3))
        wait(driver, lambda d: d.find_element(By.ID, "live-hold").is_enabled(), 20)
    else:
        microphone_on(driver)
    if source == "phone":
        wait(driver, lambda d: d.execute_script("return parseFloat(document.getElementById('live-meter-setup').style.width) > 10"), 10)
        check(True, f"{label}: the level meter moves with the microphone before going live")
    shot(driver, f"{label}-ready")
    # A tap is not enough.
    driver.find_element(By.ID, "live-hold").click()
    time.sleep(0.5)
    check(not driver.find_element(By.ID, "live-on").is_displayed(), f"{label}: a tap on the button does not start the broadcast")
    started = time.monotonic()
    hold(driver, "live-hold")
    wait(driver, lambda d: d.find_element(By.ID, "live-on").is_displayed(), 10)
    wait(driver, lambda d: d.execute_script("return window.commcastLiveStatus && window.commcastLiveStatus.uplink.played > 10"), 10)
    return started


def live_status(driver):
    return driver.execute_script("return window.commcastLiveStatus")


def stop(driver, label):
    driver.find_element(By.ID, "live-stop").click()
    wait(driver, lambda d: d.find_element(By.ID, "live-result").is_displayed(), 10)
    check("Bạn đã dừng phát" in text(driver, "live-result"), f"{label}: stopping says so ({text(driver, 'live-result')!r})")


def audit_reasons():
    entries = json.loads(commcast("audit", "--json", "--limit", "200"))
    return [e for e in entries if e.get("action") == "live_stopped"]


def run(url, proxy):
    # Commune A's operator: no emergency, and the station says no to one asked by hand.
    lan = browser(SIZES["phone"])
    try:
        log_in_at(lan, url, "Lan", PASSWORDS["Lan"])
        page(lan, "#/live", "live")
        options = [o.get_attribute("value") for o in lan.find_elements(By.CSS_SELECTOR, "#live-level option") if o.is_enabled()]
        check(options == ["priority"], f"phone-lan: only a priority broadcast is offered ({options})")
        refused = fetch(lan, "POST", "/v1/live", {"level": "emergency", "zones": [], "clusters": [], "source": "phone", "title": "thử"})
        check(refused["status"] == 403 and "emergency role" in refused["body"], f"phone-lan: the station refuses her emergency ({refused})")
        shot(lan, "phone-lan-live")
    finally:
        lan.quit()

    # A bulletin airs at every cluster: the emergency must preempt it.
    bulletin = os.path.join(WORK, "bulletin.wav")
    tones_wav(bulletin, [300], lead=0, tone=40, gap=0)
    # In the station's time zone (the daemon's default), wherever this test runs.
    soon = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")).replace(microsecond=0) + datetime.timedelta(seconds=12)
    added = json.loads(commcast("bulletin", "add", "--title", "Thông báo lịch tiêm", "--file", bulletin, "--zone", "tinh",
                                "--at", soon.strftime("%H:%M:%S"), "--json"))
    bulletin_id = str(added.get("id"))
    airs_at = time.time() + (soon - datetime.datetime.now(soon.tzinfo)).total_seconds()

    proxied = f"http://127.0.0.1:{proxy.port}/"
    phone = browser(SIZES["phone"], f"--use-file-for-fake-audio-capture={tones_wav(os.path.join(WORK, 'mic.wav'), TONES)}")
    try:
        log_in_at(phone, proxied, "Hùng", PASSWORDS["Hùng"])
        # The clusters hold its media and start it on time; it plays for 40 s.
        time.sleep(max(0, airs_at + 2 - time.time()))

        go_live(phone, "phone-1")
        wait(phone, lambda d: live_status(d)["live"]["receiving"] == 4, 10)
        check(live_status(phone)["uplink"]["format"] == "opus", f"phone-1: WebCodecs Opus goes up ({live_status(phone)['uplink']})")
        check("4/4 cụm loa đang nhận" in text(phone, "live-receiving"), f"phone-1: the page says 4/4 clusters receive ({text(phone, 'live-receiving')!r})")
        check(text(phone, "live-what").startswith("Khẩn cấp"), f"phone-1: the page says what is on air ({text(phone, 'live-what')!r})")
        shot(phone, "phone-1-onair")
        time.sleep(5)
        live_id = live_status(phone)["live"]["live_id"]
        # A 2-second cut: the page reconnects into the same broadcast.
        proxy.cut(2)
        wait(phone, lambda d: "Mất kết nối" in text(d, "live-link"), 5)
        shot(phone, "phone-1-reconnecting")
        wait(phone, lambda d: live_status(d)["uplink"]["reconnects"] >= 1 and live_status(d)["live"]["live_id"] == live_id, GRACE + 5)
        check(True, "phone-1: after a 2 s cut the phone is back in the same broadcast")
        time.sleep(5)
        stop(phone, "phone-1")
        shot(phone, "phone-1-ended")
        stats = json.loads(commcast("stats", "--by", "bulletin", "--json"))
        interrupted = sum(r["interrupted"] for r in stats["rows"] if r["key"] == bulletin_id)
        check(interrupted == 4, f"the bulletin's four airings are counted interrupted ({interrupted}; {stats['rows']})")

        # Cut past the grace: the station ends it, says why, and the page learns it when back.
        go_live(phone, "phone-2")
        time.sleep(3)
        proxy.cut(GRACE + 4)
        deadline = time.monotonic() + GRACE + 8
        reasons = []
        while time.monotonic() < deadline:
            reasons = [e["details"]["reason"] for e in audit_reasons()]
            if any("lost for more than" in r for r in reasons):
                break
            time.sleep(0.3)
        check(any(f"lost for more than {GRACE} s" in r for r in reasons), f"past the grace the broadcast ends, and the audit says why ({reasons})")
        wait(phone, lambda d: d.find_element(By.ID, "live-result").is_displayed(), 20)
        result = text(phone, "live-result")
        check(f"Mất kết nối quá {GRACE} giây" in result, f"phone-2: the page says the station ended it for the lost connection ({result!r})")
        shot(phone, "phone-2-lost")

        # A prepared file, sent live: it ends with the file.
        go_live(phone, "phone-3", source="phone_file")
        wait(phone, lambda d: d.find_element(By.ID, "live-result").is_displayed(), 20)
        check("Đã phát hết tệp" in text(phone, "live-result"), f"phone-3: the broadcast ends with the file ({text(phone, 'live-result')!r})")
        no_errors(phone, "phone")
    finally:
        phone.quit()

    # A browser without an Opus encoder: 16 kHz PCM, encoded at the station.
    desktop = browser(SIZES["desktop"], f"--use-file-for-fake-audio-capture={os.path.join(WORK, 'mic.wav')}")
    try:
        desktop.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": "delete window.AudioEncoder;"})
        log_in_at(desktop, url, "Hùng", PASSWORDS["Hùng"])
        go_live(desktop, "desktop-pcm")
        check(live_status(desktop)["uplink"]["format"] == "pcm16k", f"desktop-pcm: without WebCodecs the page sends PCM ({live_status(desktop)['uplink']})")
        shot(desktop, "desktop-pcm-onair")
        time.sleep(6)
        stop(desktop, "desktop-pcm")
        no_errors(desktop, "desktop")
    finally:
        desktop.quit()


def no_errors(driver, label):
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE" and e.get("source") != "network"]
    check(not errors, f"{label}: no script errors or CSP violations in the browser's log ({errors[:2]})")


def measure(summary):
    """What the clusters played: every broadcast's tones, in order."""
    broadcasts = {}
    for path in sorted(glob.glob(os.path.join(AUDIO, "*.wav"))):
        cluster, live_id = os.path.basename(path)[:-4].split("-", 1)
        broadcasts.setdefault(live_id, {})[cluster] = path
    check(len(broadcasts) == 4 and all(len(c) == 4 for c in broadcasts.values()),
          f"every cluster kept each of the four broadcasts ({ {k: sorted(v) for k, v in broadcasts.items()} })")
    ordered = sorted(broadcasts.items(), key=lambda item: os.path.getmtime(next(iter(item[1].values()))))
    names = ["opus with a 2 s cut", "cut past the grace", "prepared file", "pcm fallback"]
    for name, (live_id, clusters) in zip(names, ordered):
        tones = FILE_TONES if name == "prepared file" else TONES
        for cluster, path in sorted(clusters.items()):
            sequence = tone_sequence(path, tones)
            steps = in_order(sequence, len(tones))
            # The cut loses what was said during it: one step out of the cycle for it.
            allowed = 1 if name == "opus with a 2 s cut" else 0
            wanted = {"opus with a 2 s cut": 25, "cut past the grace": 6, "prepared file": 8, "pcm fallback": 12}[name]
            check(len(sequence) >= wanted and steps >= len(sequence) - 1 - allowed,
                  f"{name}: {cluster} heard {len(sequence)} tones, {steps} of {max(0, len(sequence) - 1)} steps in order ({[tones[i] for i in sequence][:12]}…)")
    check(summary["live_starts"] == 16, f"one live_start per cluster per broadcast, none again after the reconnect ({summary['live_starts']})")
    check(summary["live_stops"] == 16 and summary["live_decode_failures"] == 0,
          f"every broadcast ended at every cluster, nothing failed to decode ({summary['live_stops']} stops)")
    print(f"measured: capture to playout p50 {summary.get('live_playout_lag_p50_ms')} ms, p99 {summary.get('live_playout_lag_p99_ms')} ms; "
          f"{summary['live_lost']} slots concealed, {summary['live_late']} late at the clusters")


def main():
    daemon, status = STATION.start()
    sim = None
    try:
        credentials = seed()
        os.makedirs(AUDIO)
        sim = subprocess.Popen([os.path.join(BIN, "commcast-sim"), "--station", status["link_address"], "--credentials", credentials,
                                "--duration", "900", "--live-audio-dir", AUDIO, "--json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        host, port = status["console_address"].rsplit(":", 1)
        proxy = CuttableProxy((host, int(port)))
        run(f"http://{status['console_address']}/", proxy)
        sim.terminate()
        summary = json.loads(sim.communicate(timeout=60)[0])
        measure(summary)
    except Exception as e:
        check(False, f"stopped: {type(e).__name__}: {e}")
    finally:
        if sim and sim.poll() is None:
            sim.kill()
        daemon.terminate()
        daemon.wait(timeout=30)
    print(f"\n{'all checks passed' if not FAILURES else f'{len(FAILURES)} failed'}; screenshots in {OUT}")
    return len(FAILURES)


if __name__ == "__main__":
    sys.exit(main())
