"""Report drain benchmark: a backlog of N reports (airing reports, the commonest
kind) waiting in the outbox while the province was down; then the province is
back and the reporter drains it to a local receiver. Prints events per second,
the daemon's CPU seconds and its peak RSS, per batch size."""
import json, os, shutil, sqlite3, sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(__file__))
from bench_station import Station, cpu_and_rss

bin_dir, events = sys.argv[1], int(sys.argv[2])
batch_sizes = [int(b) for b in sys.argv[3].split(",")] if len(sys.argv) > 3 else [500]
TOKEN = "bench-token"


class Receiver(BaseHTTPRequestHandler):
    """Stores each event once by key, as docs/provincial-api.md asks of a receiver."""
    seen, duplicates, lock, done_at = set(), 0, threading.Lock(), None

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        assert self.headers["Authorization"] == f"Bearer {TOKEN}"
        batch = json.loads(body)["events"]
        with Receiver.lock:
            for e in batch:
                if e["key"] in Receiver.seen: Receiver.duplicates += 1
                else: Receiver.seen.add(e["key"])
            if len(Receiver.seen) >= events and Receiver.done_at is None: Receiver.done_at = time.time()
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args): pass


def backlog(db_path, n):
    """N airing reports, as the outbox holds them after a long outage."""
    db = sqlite3.connect(db_path)
    now = int(time.time() * 1000)
    rows = []
    for i in range(n):
        payload = json.dumps({"airing_id": i, "bulletin_id": i // 1661, "cluster_id": f"c{i % 1661:04d}",
                              "zone": f"tinh/xa-{i % 111:03d}", "planned_at": "2026-11-30T23:00:00Z",
                              "started_at": "2026-11-30T23:00:01Z", "ended_at": "2026-11-30T23:03:01Z",
                              "outcome": "completed"}, sort_keys=True, separators=(",", ":"))
        rows.append((f"airing:{i}:completed", "airing", payload, now))
    db.executemany("INSERT INTO report_outbox (idempotency_key, kind, payload, created_at) VALUES (?, ?, ?, ?)", rows)
    db.commit()
    size = db.execute("SELECT SUM(LENGTH(payload)) FROM report_outbox").fetchone()[0]
    db.close()
    return size


server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{server.server_address[1]}/commcast/v1/events"

print(f"{events:,} airing reports in the outbox, drained to a local receiver (Python, de-duplicating by key)\n")
print(f"{'batch':>6} {'seconds':>8} {'events/s':>9} {'daemon CPU s':>13} {'peak RSS MB':>12} {'idle RSS MB':>12} {'duplicates':>11}")
for batch in batch_sizes:
    work = tempfile.mkdtemp(prefix="commcast-reportbench-")
    try:
        # The schema comes from the daemon's own migrations.
        first = Station(bin_dir, work, 0)
        time.sleep(1)
        _, idle_rss, _ = cpu_and_rss(first.daemon.pid)
        first.stop()
        payload_bytes = backlog(f"{work}/state/commcast.sqlite", events)
        with open(f"{work}/token", "w") as f: f.write(TOKEN)
        Receiver.seen, Receiver.duplicates, Receiver.done_at = set(), 0, None
        start = time.time()
        station = Station(bin_dir, work, 0, extra=f"""[province]\nreport_url = "{url}"\ntoken_file = "{work}/token"\n"""
                                                  f"""batch_size = {batch}\ninterval_seconds = 1\n""")
        peak = 0.0
        while Receiver.done_at is None:
            if time.time() - start > 600: sys.exit("the backlog did not drain in 10 minutes")
            cpu, rss, hwm = cpu_and_rss(station.daemon.pid)
            peak = max(peak, hwm)
            time.sleep(0.05)
        elapsed = Receiver.done_at - start
        cpu, rss, hwm = cpu_and_rss(station.daemon.pid)
        station.stop()
        print(f"{batch:>6} {elapsed:>8.2f} {events / elapsed:>9,.0f} {cpu:>13.2f} {max(peak, hwm):>12.1f} {idle_rss:>12.1f} {Receiver.duplicates:>11}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
print(f"\n(payloads {payload_bytes / events:.0f} bytes each; seconds run from the daemon's start, which includes its start-up)")
