"""kill -9 anywhere: a station at work — bulletins queued from the CLI (recordings and
texts for the voice), bulletins from the province's webhook (priority ones queued,
emergencies aired live), live broadcasts, simulated clusters airing and sending
receipts, reports flowing to a province that de-duplicates by key — killed with
SIGKILL at random moments and started again on the same files, many times. Then the
invariants (docs/reliability.md, "kill -9 anywhere"):

* every bulletin the CLI reported queued exists once (one it did not confirm at most once);
* every province bulletin the webhook acknowledged exists once, and has acted on its level;
* every receipt a cluster holds as acknowledged is counted once, none still pending;
* every fact in the outbox reached the province, duplicates only by idempotency key,
  and none missing: each finished airing, each live start and stop, each province outcome;
* `PRAGMA integrity_check` is ok after every kill;
* every live broadcast started has ended with a reason, a broadcast cut by a kill too.

Usage: kill_anywhere.py BIN_DIR [KILLS] [SEED]   (scripts/test.sh: 20 kills, about 3 minutes)"""
import base64, hashlib, json, os, random, signal, socket, sqlite3, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request
from collections import Counter
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

BIN = sys.argv[1]
KILLS = int(sys.argv[2]) if len(sys.argv) > 2 else 20
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else int(time.time())
CLUSTERS = 12
# Six communes of two clusters: bulletins go to one commune each, so the clusters keep
# up with them (each airing holds a cluster for its length and the planner's 5 s gap)
# and every one airs soon after the last kill.
ZONES = 6
TOKEN = "province-token-for-the-kill-test"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
FAILURES = []


def check(ok, what):
    print(f"{'pass' if ok else 'FAIL'}  {what}", flush=True)
    if not ok:
        FAILURES.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Province(BaseHTTPRequestHandler):
    """The province's receiver: keeps each event once by key, counts the repeats."""
    keys, repeats, lock = {}, 0, threading.Lock()

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with Province.lock:
            for event in body["events"]:
                if event["key"] in Province.keys:
                    Province.repeats += 1
                else:
                    Province.keys[event["key"]] = event
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


class Station:
    """commcastd on fixed ports (the clusters and the province dial the same address after
    each restart), killed and started again on the same files."""

    def __init__(self, work, link_port, webhook_port, report_url):
        self.work, self.socket = work, f"{work}/control.sock"
        self.env = dict(os.environ, COMMCAST_SOCKET=self.socket)
        with open(f"{work}/token", "w") as f:
            f.write(TOKEN)
        os.chmod(f"{work}/token", 0o600)
        with open(f"{work}/commcastd.toml", "w") as f:
            f.write(f"""[daemon]\nstate_directory = "{work}/state"\n[control]\nsocket_path = "{self.socket}"\n
[link]\nlisten_address = "127.0.0.1"\nport = {link_port}\nheartbeat_seconds = 5\n[web]\nport = -1\n
[schedule]\nquiet_hours = "none"\nreplan_interval_seconds = 5\n
[province]\nreport_url = "{report_url}"\nstation_id = "kill-test"\ntoken_file = "{work}/token"\nbatch_size = 50\ninterval_seconds = 1\n
max_backoff_seconds = 2\nwebhook_listen = "127.0.0.1:{webhook_port}"\nwebhook_token_sha256 = "{hashlib.sha256(TOKEN.encode()).hexdigest()}"\n""")
        self.daemon, self.starts = None, 0

    def start(self):
        self.starts += 1
        log = open(f"{self.work}/commcastd.log", "a")
        self.daemon = subprocess.Popen([f"{BIN}/commcastd", "--config", f"{self.work}/commcastd.toml"], stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.cli("status", "--json", timeout=5).returncode == 0:
                return
            if self.daemon.poll() is not None:
                sys.exit(f"commcastd exited with {self.daemon.returncode} at start {self.starts}; see {self.work}/commcastd.log")
            time.sleep(0.1)
        sys.exit(f"commcastd did not answer at start {self.starts}")

    def kill(self):
        self.daemon.send_signal(signal.SIGKILL)
        self.daemon.wait(timeout=30)

    def cli(self, *args, timeout=60):
        try:
            return subprocess.run([f"{BIN}/commcast", *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            return subprocess.CompletedProcess(e.cmd, 124, "", "timed out")

    def db(self):
        return sqlite3.connect(f"{self.work}/state/commcast.sqlite")


class Workload:
    """The station's work, each kind in its own thread, noting what it has been told."""

    def __init__(self, station, work, webhook_port):
        self.station, self.work, self.webhook = station, work, f"http://127.0.0.1:{webhook_port}/v1/province/bulletins"
        self.running = True
        self.in_flight = Counter()
        self.confirmed, self.unconfirmed = [], []  # CLI bulletin titles
        self.province_ok, self.province_sent = {}, set()  # province id -> level
        self.lives = 0
        self.lock = threading.Lock()
        self.rng = random.Random(SEED)
        with open(f"{work}/tone.wav", "rb") as f:
            self.tone = base64.b64encode(f.read()).decode()

    def doing(self, what, delta):
        with self.lock:
            self.in_flight[what] += delta

    def at(self, seconds):
        return (datetime.now(VN) + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")

    def bulletins(self):
        n = 0
        while self.running:
            n += 1
            title = f"Tin {n}"
            text = n % 3 == 0
            kind = "a text for the voice" if text else "a recording (ingest)"
            self.doing(kind, 1)
            content = ["--text", f"Thông báo số {n} của xã."] if text else ["--file", f"{self.work}/tone.wav"]
            r = self.station.cli("bulletin", "add", "--title", title, *content, "--zone", f"tinh/xa-{n % ZONES}", "--at", self.at(15))
            self.doing(kind, -1)
            with self.lock:
                (self.confirmed if r.returncode == 0 else self.unconfirmed).append(title)
            time.sleep(1.5)

    def province(self):
        n = 0
        while self.running:
            n += 1
            pid = f"P-{n}"
            level = "emergency" if n % 6 == 0 else "priority"
            body = {"id": pid, "title": f"Tỉnh {n}", "level": level, "zones": [f"tinh/xa-{n % ZONES}"],
                    "air_at": (datetime.now(VN) + timedelta(seconds=25)).isoformat()}
            if n % 2:
                body["text"] = f"Tỉnh thông báo số {n}."
            else:
                body["audio_base64"] = self.tone
            with self.lock:
                self.province_sent.add(pid)
            # A province sends again until it has an answer, as docs/provincial-api.md asks.
            while self.running:
                self.doing("a province bulletin", 1)
                request = urllib.request.Request(self.webhook, data=json.dumps(body).encode(), method="POST",
                                                 headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(request, timeout=30) as r:
                        ok = r.status in (200, 202)
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    ok = False
                self.doing("a province bulletin", -1)
                if ok:
                    with self.lock:
                        self.province_ok[pid] = level
                    break
                time.sleep(0.5)
            time.sleep(5)

    def live(self):
        while self.running:
            time.sleep(4)
            self.doing("a live broadcast", 1)
            r = self.station.cli("live", "--file", f"{self.work}/tone.wav", "--zone", "tinh", "--level", "priority", "--title", "Trực tiếp")
            self.doing("a live broadcast", -1)
            if r.returncode == 0:
                self.lives += 1

    def start(self):
        self.threads = [threading.Thread(target=t, daemon=True) for t in (self.bulletins, self.province, self.live)]
        for t in self.threads:
            t.start()

    def stop(self):
        self.running = False
        for t in self.threads:
            t.join(timeout=120)


def integrity(station):
    db = station.db()
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def main():
    rng = random.Random(SEED)
    work = tempfile.mkdtemp(prefix="commcast-kill-")
    print(f"kill -9 anywhere: {KILLS} kills, seed {SEED}, {CLUSTERS} simulated clusters, in {work}")
    subprocess.run(["sox", "-n", "-r", "48000", "-c", "1", f"{work}/tone.wav", "synth", "2", "sine", "550", "gain", "-12"], check=True)
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Province)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    link_port, webhook_port = free_port(), free_port()
    station = Station(work, link_port, webhook_port, f"http://127.0.0.1:{receiver.server_address[1]}/commcast/v1/events")
    station.start()
    with open(f"{work}/clusters.csv", "w") as f:
        f.write("id,name,zone\n" + "".join(f"k{i:02d},Cụm {i},tinh/xa-{i % ZONES}\n" for i in range(CLUSTERS)))
    r = station.cli("cluster", "import", f"{work}/clusters.csv", "--create-zones", "--credentials", f"{work}/credentials.csv")
    if r.returncode != 0:
        sys.exit(r.stderr)
    sim = subprocess.Popen([f"{BIN}/commcast-sim", "--station", f"127.0.0.1:{link_port}", "--credentials", f"{work}/credentials.csv",
                            "--json", "--duration", "7200", "--link-timeout", "3", "--reconnect-jitter", "1", "--live-decode-percent", "0"],
                           stdout=subprocess.PIPE, stderr=open(f"{work}/sim.log", "w"), text=True)
    workload = Workload(station, work, webhook_port)
    workload.start()

    moments, integrity_ok = Counter(), 0
    for k in range(KILLS):
        time.sleep(rng.uniform(0.5, 4))
        with workload.lock:
            busy = [what for what, n in workload.in_flight.items() if n > 0]
        station.kill()
        for what in busy or ["idle (schedules, receipts, reports)"]:
            moments[what] += 1
        result = integrity(station)
        integrity_ok += result == "ok"
        if result != "ok":
            check(False, f"integrity after kill {k + 1}: {result}")
        station.start()
    check(integrity_ok == KILLS, f"PRAGMA integrity_check ok after each of {KILLS} kills")
    print("killed while: " + ", ".join(f"{what} {n}" for what, n in sorted(moments.items())))

    # Settle: no new work; every airing queued has its time pass and its receipts come in.
    workload.stop()
    # (Every bulletin here is a few seconds long: 20 s after the last start it has ended.)
    last = station.db().execute("SELECT MAX(planned_at) FROM airings WHERE outcome NOT IN ('withdrawn', 'cancelled')").fetchone()[0] or 0
    while time.time() * 1000 < last + 20_000:
        time.sleep(1)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        backlog = json.loads(station.cli("report", "status", "--json").stdout or "{}")
        if backlog.get("backlog") == 0:
            break
        time.sleep(1)
    sim.send_signal(signal.SIGTERM)
    summary = json.loads(sim.communicate(timeout=60)[0])
    # The clusters' goodbyes are facts too (each goes offline): they reach the province before the station stops.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and json.loads(station.cli("report", "status", "--json").stdout or "{}").get("backlog") != 0:
        time.sleep(1)
    station.daemon.terminate()
    station.daemon.wait(timeout=30)
    check(integrity(station) == "ok", "integrity at the end")
    db = station.db()

    # Bulletins the CLI confirmed: once each; the unconfirmed at most once.
    titles = Counter(t for (t,) in db.execute("SELECT title FROM bulletins"))
    confirmed = workload.confirmed
    check(all(titles[t] == 1 for t in confirmed), f"each of the {len(confirmed)} bulletins the CLI reported queued exists once")
    check(all(titles[t] <= 1 for t in workload.unconfirmed),
          f"each of the {len(workload.unconfirmed)} the CLI could not confirm (killed mid-request) at most once "
          f"({sum(titles[t] for t in workload.unconfirmed)} were kept)")

    # Each aired at every cluster (or was interrupted there by a live broadcast): none left behind.
    outcomes = {}
    for title, outcome, n in db.execute("""SELECT b.title, a.outcome, COUNT(*) FROM airings a JOIN bulletins b ON b.id = a.bulletin_id
                                           WHERE a.outcome NOT IN ('withdrawn', 'cancelled') GROUP BY b.title, a.outcome"""):
        outcomes.setdefault(title, Counter())[outcome] = n
    unaired = {t: dict(outcomes.get(t, {})) for t in confirmed
               if sum(outcomes.get(t, Counter())[o] for o in ("completed", "interrupted")) != CLUSTERS // ZONES}
    check(not unaired, f"each confirmed bulletin aired, or was interrupted by a live broadcast, at both clusters of its commune "
                       f"({len(unaired)} not: {dict(list(unaired.items())[:3])})")

    # Province bulletins: once each, and their level acted on.
    rows = {pid: (state, n) for pid, state, n in
            db.execute("SELECT province_id, state, COUNT(*) FROM province_bulletins GROUP BY province_id")}
    acked = workload.province_ok
    check(all(rows.get(pid, (None, 0))[1] == 1 for pid in acked), f"each of the {len(acked)} province bulletins acknowledged exists once")
    stuck = {pid: rows[pid][0] for pid, level in acked.items() if pid in rows and
             rows[pid][0] not in ({"queued"} if level == "priority" else {"aired", "interrupted"})}
    check(not stuck, f"each acknowledged province bulletin queued (priority) or aired or interrupted (emergency) ({stuck})")

    # Receipts: what the clusters hold as acknowledged is counted once; none pending.
    receipts = db.execute("SELECT COUNT(*) FROM airing_receipts").fetchone()[0]
    check(summary["receipts_pending"] == 0 and summary["receipts_rejected"] == 0,
          f"no receipt pending or rejected at the clusters ({summary['receipts_pending']}, {summary['receipts_rejected']})")
    check(receipts == summary["receipts_acknowledged"],
          f"receipts counted by the station = acknowledged to the clusters ({receipts} = {summary['receipts_acknowledged']})")

    # Reports: every fact reached the province; repeats only by key; none missing.
    outbox = {k for (k,) in db.execute("SELECT idempotency_key FROM report_outbox")}
    undelivered = db.execute("SELECT COUNT(*) FROM report_outbox WHERE delivered_at IS NULL").fetchone()[0]
    got = set(Province.keys)
    check(undelivered == 0 and outbox <= got, f"all {len(outbox)} facts of the outbox reached the province ({undelivered} undelivered, "
                                              f"{len(outbox - got)} missing)")
    check(got <= outbox, f"the province holds no fact the station does not ({len(got - outbox)})")
    finished = {f"airing:{i}:{o}" for i, o in db.execute(
        "SELECT id, outcome FROM airings WHERE outcome IN ('completed', 'interrupted', 'failed', 'missed')")}
    check(finished <= got, f"each of the {len(finished)} finished airings reported ({len(finished - got)} missing)")
    started = {t for (t,) in db.execute("SELECT target FROM audit_log WHERE action = 'live_started'")}
    stopped = {t: json.loads(d).get("reason") for t, d in db.execute("SELECT target, details FROM audit_log WHERE action = 'live_stopped'")}
    check(started and started <= set(stopped) and all(stopped[t] for t in started),
          f"each of the {len(started)} live broadcasts ended with a reason "
          f"({sum(1 for t in started if 'stopped while on air' in (stopped.get(t) or ''))} by a kill, found at the next start)")
    check(all(f"live_started:{t}" in got and f"live_stopped:{t}" in got for t in started), "each live start and stop reported")
    outcomes = {k.split(":")[1] for k in got if k.startswith("province:")}
    check(set(acked) <= outcomes, f"each acknowledged province bulletin's outcome reported ({len(set(acked) - outcomes)} missing)")
    airings = db.execute("SELECT outcome, COUNT(*) FROM airings GROUP BY outcome").fetchall()
    print(f"\nstarts {station.starts}; bulletins {len(confirmed)} confirmed + {len(workload.unconfirmed)} cut; province "
          f"{len(acked)} acknowledged; live broadcasts {len(started)}; airings {dict(airings)}; receipts {receipts}; "
          f"facts {len(outbox)}, sent again {Province.repeats}; cluster links lost {summary.get('links_lost')}")
    print(f"{'all checks passed' if not FAILURES else f'{len(FAILURES)} failed'} (seed {SEED}; kept in {work})")
    return len(FAILURES)


if __name__ == "__main__":
    sys.exit(main())
