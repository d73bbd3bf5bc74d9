#!/usr/bin/env python3
"""A living demo station: commcastd with a small province and simulated clusters.

Run by scripts/run-daemon.sh. It writes a demo configuration (state in
./commcast-state), starts commcastd, and the first time seeds it: three communes with
45 clusters, a demo operator with a password, and three bulletins from text, one of
which airs every three minutes. Then it runs commcast-sim as those clusters, prints the console's address
and the demo login, and keeps everything running until Ctrl-C.

The packaged configuration (config/commcastd.toml) has no demo; this is only for a
newcomer's first look and for trying things out.

Usage: scripts/demo_station.py BIN_DIR [--check]
  --check: start from an empty state, wait until the 45 clusters are online, the demo
  login works on the console and a bulletin is queued, then stop (exit 0), or say
  what did not happen (exit 1). scripts/test.sh runs it.
"""
import json
import math
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import wave

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECK = "--check" in sys.argv[1:]
ARGS = [a for a in sys.argv[1:] if a != "--check"]
BIN = os.path.abspath(ARGS[0] if ARGS else os.path.join(ROOT, ".build/release"))
STATE = tempfile.mkdtemp(prefix="commcast-demo-check-") if CHECK else os.path.join(ROOT, "commcast-state")
SOCKET = os.path.join(STATE, "control.sock")
CONFIG = os.path.join(STATE, "demo.toml")
CREDENTIALS = os.path.join(STATE, "demo-credentials.csv")
ENV = dict(os.environ, COMMCAST_SOCKET=SOCKET)
DEMO_USER, DEMO_PASSWORD = "demo", "thử nghiệm đài phát thanh"
COMMUNES = [("xa-tan-phu", "Xã Tân Phú", 15), ("xa-tan-binh", "Xã Tân Bình", 15), ("xa-phu-an", "Xã Phú An", 15)]
BULLETINS = [
    ("Lịch tiêm chủng", "Ủy ban nhân dân xã thông báo: lịch tiêm chủng mở rộng cho trẻ em vào lúc 7 giờ 30 sáng thứ Bảy tại trạm y tế xã."),
    ("Phòng chống bão", "Ban chỉ huy phòng chống thiên tai đề nghị bà con kiểm tra nhà cửa, chằng chống mái tôn trước mùa mưa bão."),
    ("Thu gom rác", "Xe thu gom rác sẽ đi qua các ấp vào chiều thứ Năm hằng tuần. Bà con vui lòng để rác đúng nơi quy định."),
]


def commcast(*args, stdin=None, check=True):
    r = subprocess.run([os.path.join(BIN, "commcast"), *args], input=stdin, capture_output=True, env=ENV, timeout=300)
    if check and r.returncode != 0:
        raise RuntimeError(f"commcast {' '.join(args[:3])}: {r.stderr.decode(errors='replace').strip()}")
    return r


def write_config():
    os.makedirs(STATE, exist_ok=True)
    with open(CONFIG, "w") as f:
        f.write(f"""# The demo station of scripts/run-daemon.sh (not the packaged configuration).
[daemon]
state_directory = "{STATE}"
[control]
socket_path = "{SOCKET}"
[link]
listen_address = "127.0.0.1"
port = {0 if CHECK else 7470}
[web]
port = {0 if CHECK else 7480}
[schedule]
quiet_hours = "none"
[[operators]]
name = "{DEMO_USER}"
roles = ["operator", "supervisor", "emergency"]
zones = ["tinh"]
""")


def wait_for_daemon(daemon):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            sys.exit(f"commcastd stopped at start (exit {daemon.returncode}); its log is above")
        if os.path.exists(SOCKET) and commcast("status", check=False).returncode == 0:
            return json.loads(commcast("status", "--json").stdout)
        time.sleep(0.2)
    sys.exit("commcastd did not answer within 60 s")


def tone(path, seconds=6):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(b"".join(struct.pack("<h", int(6000 * math.sin(2 * math.pi * 660 * i / 48000))) for i in range(48000 * seconds)))
    return path


def seed_inventory():
    """Zones, clusters and the demo login, the first time; False when already there."""
    if json.loads(commcast("zone", "list", "--json").stdout):
        return False  # seeded on an earlier run: the station keeps its state
    print("demo: three communes, 45 clusters and the demo login …", flush=True)
    for path, _, _ in COMMUNES:
        commcast("zone", "add", f"tinh/huyen/{path}", "--parents")
    csv = os.path.join(STATE, "demo-clusters.csv")
    with open(csv, "w") as f:
        # Made-up coordinates near Đồng Xoài, so the console's overview draws its map.
        f.write("id,name,zone,latitude,longitude\n")
        for c, (path, name, count) in enumerate(COMMUNES):
            for n in range(1, count + 1):
                lat, lon = 11.50 + c * 0.05 + (n % 4) * 0.008, 106.85 + c * 0.06 + (n // 4) * 0.008
                f.write(f"{path[3:]}-{n:02d},Cụm loa {n} {name},tinh/huyen/{path},{lat:.4f},{lon:.4f}\n")
    commcast("cluster", "import", csv, "--credentials", CREDENTIALS)
    commcast("operator", "passwd", DEMO_USER, stdin=f"{DEMO_PASSWORD}\n".encode())
    return True


def seed_bulletins(bulletins=BULLETINS):
    """Each bulletin every 9 minutes, the three 3 minutes apart: something airs every
    three minutes, today and whenever the demo runs again."""
    for i, (title, text) in enumerate(bulletins):
        when = ["--every", "9", "--window", f"00:{3 * i:02d}-23:59"]
        made = commcast("bulletin", "add", "--title", title, "--text", text, "--zone", "tinh", *when, check=False)
        if made.returncode != 0:  # no espeak-ng: a tone stands in for the speech
            commcast("bulletin", "add", "--title", title, "--file", tone(os.path.join(STATE, f"demo-{i}.wav")), "--zone", "tinh", *when)
        print(f"demo: bulletin \"{title}\" queued (every 9 minutes)", flush=True)


def check(daemon, sim, console, stop):
    """What a newcomer must see, each with a deadline; returns the exit status."""
    problems = []
    deadline = time.monotonic() + 90
    online = 0
    while time.monotonic() < deadline:
        online = json.loads(commcast("health", "--json").stdout)["total"]["online"]
        if online == 45:
            break
        time.sleep(1)
    if online != 45:
        problems.append(f"{online} of 45 clusters online after 90 s")
    request = urllib.request.Request(f"http://{console}/v1/session", method="POST",
                                     data=json.dumps({"name": DEMO_USER, "password": DEMO_PASSWORD}).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            login = json.loads(r.read())
        if login.get("operator") != DEMO_USER:
            problems.append(f"the demo login answered {login}")
    except Exception as e:
        problems.append(f"the demo login failed: {e}")
    seed_bulletins(BULLETINS[:1])
    deadline = time.monotonic() + 30  # the scheduler plans it on its next pass
    while time.monotonic() < deadline:
        bulletins = json.loads(commcast("bulletin", "list", "--json").stdout)
        if len(bulletins) == 1 and bulletins[0].get("next_airing"):
            break
        time.sleep(0.5)
    else:
        problems.append(f"no airing planned for the demo bulletin within 30 s: {bulletins}")
    for p in problems:
        print(f"demo check FAILED: {p}", flush=True)
    if not problems:
        print("demo check: 45 clusters online, the demo login works, a bulletin is planned", flush=True)
    try:
        stop()
    except SystemExit:
        pass
    return 1 if problems else 0


def main():
    write_config()
    daemon = subprocess.Popen([os.path.join(BIN, "commcastd"), "--config", CONFIG],
                              stdout=subprocess.DEVNULL if CHECK else None, stderr=subprocess.DEVNULL if CHECK else None)
    sim = None

    def stop(*_):
        for p in (sim, daemon):
            if p and p.poll() is None:
                p.terminate()
        for p in (sim, daemon):
            if p:
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    status = wait_for_daemon(daemon)
    first_run = seed_inventory()
    sim = subprocess.Popen([os.path.join(BIN, "commcast-sim"), "--station", status["link_address"], "--credentials", CREDENTIALS,
                            "--duration", "86400", "--reconnect-jitter", "2"], stdout=subprocess.DEVNULL)
    console = status.get("console_address") or "127.0.0.1:7480"
    print(f"""
demo station running — state in {STATE}
  web console   http://{console}/   log in as {DEMO_USER} / {DEMO_PASSWORD}
  the CLI       export COMMCAST_SOCKET={SOCKET} PATH={BIN}:$PATH
                commcast health; commcast schedule; commcast bulletin list; commcast stats
  45 simulated clusters (commcast-sim) in three communes; a bulletin airs every three minutes.
  Ctrl-C stops it all; run it again to pick up where it left off.
""", flush=True)
    if CHECK:
        sys.exit(check(daemon, sim, console, stop))
    if first_run:
        seed_bulletins()
    while daemon.poll() is None:
        time.sleep(1)
    stop()


if __name__ == "__main__":
    main()
