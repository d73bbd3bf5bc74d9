"""The station watched by a real Prometheus (Debian's `prometheus`), as an operations
team would run it: monitoring/alerts.yml checked and unit-tested with promtool, then
a commcastd with 12 simulated clusters in three zones scraped every second, with the
rules loaded. A bulletin, a text bulletin (the TTS hook) and a live broadcast go out;
Prometheus must count what the station counts. Then the clusters of one zone go dark:
the zone must read offline and its alert turn pending, the other zones' not. Every
query of monitoring/grafana-dashboard.json must be valid PromQL, and answer.

Usage: metrics_prometheus_test.py BIN_DIR"""
import csv, json, os, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.parse, urllib.request
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from browser_support import FAILURES, TestStation, check

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
MONITORING = os.path.join(ROOT, "monitoring")
ZONES = ["tinh/a", "tinh/b", "tinh/c"]
PER_ZONE = 4


def promtool(*args):
    r = subprocess.run(["promtool", *args], cwd=MONITORING, capture_output=True, text=True)
    check(r.returncode == 0, f"promtool {' '.join(args)}" + ("" if r.returncode == 0 else f":\n{r.stdout}{r.stderr}"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prometheus:
    """Debian's prometheus in a temporary directory, scraping `target` every second."""

    def __init__(self, target, work):
        self.port = free_port()
        shutil.copy(os.path.join(MONITORING, "alerts.yml"), work)
        with open(f"{work}/prometheus.yml", "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [alerts.yml]\n"
                    f"scrape_configs:\n  - job_name: commcast\n    static_configs:\n      - targets: ['{target}']\n")
        self.process = subprocess.Popen(
            ["prometheus", f"--config.file={work}/prometheus.yml", f"--storage.tsdb.path={work}/tsdb",
             f"--web.listen-address=127.0.0.1:{self.port}"], stdout=subprocess.DEVNULL, stderr=open(f"{work}/prometheus.log", "w"))

    def api(self, path, **params):
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=10) as r:
            body = json.load(r)
        if body["status"] != "success":
            raise RuntimeError(f"{path} {params}: {body}")
        return body["data"]

    def query(self, expr):
        """The instant vector of `expr`, as {labels as a sorted tuple: value}."""
        return {tuple(sorted(s["metric"].items())): float(s["value"][1]) for s in self.api("query", query=expr)["result"]}

    def scalar(self, expr):
        values = list(self.query(expr).values())
        return values[0] if len(values) == 1 else None

    def wait_for(self, what, condition, seconds=60):
        """Waits until `condition()` is true (it may raise while Prometheus starts), with a deadline."""
        deadline, last = time.monotonic() + seconds, None
        while time.monotonic() < deadline:
            try:
                if condition():
                    return True
            except Exception as error:  # Prometheus still starting, or no data yet
                last = error
            time.sleep(0.5)
        check(False, f"{what} (waited {seconds} s{'; last error: ' + str(last) if last else ''})")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def main():
    bin_dir = sys.argv[1]
    for tool in ("prometheus", "promtool", "sox"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found: scripts/setup.sh --with-test-tools installs it")

    # The shipped rules and configuration, as an operations team would check them.
    promtool("check", "rules", "alerts.yml")
    promtool("test", "rules", "alerts_test.yml")
    promtool("check", "config", "prometheus.yml")

    station = TestStation(bin_dir, "commcast-metrics-",
                          '[metrics]\nport = 0\n[schedule]\nquiet_hours = "none"\n')
    daemon, status = station.start()
    work = station.work
    sims, prometheus = [], None
    try:
        deadline = time.monotonic() + 30
        while not status.get("metrics_address") and time.monotonic() < deadline:
            time.sleep(0.2)
            status = json.loads(station.commcast("status", "--json"))
        check(status.get("metrics_address", "").startswith("127.0.0.1:"), f"metrics listen on loopback ({status.get('metrics_address')})")
        with urllib.request.urlopen(f"http://{status['metrics_address']}/metrics", timeout=10) as r:
            check(r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), "the exposition format's content type")
        bad = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", f"http://{status['metrics_address']}/v1/status"],
                             capture_output=True, text=True).stdout
        check(bad == "404", f"nothing but /metrics on that listener (GET /v1/status: {bad})")

        with open(f"{work}/clusters.csv", "w") as f:
            f.write("id,name,zone\n")
            for z, zone in enumerate(ZONES):
                for i in range(PER_ZONE):
                    f.write(f"m{z}{i},Cụm {z}-{i},{zone}\n")
        station.commcast("cluster", "import", f"{work}/clusters.csv", "--create-zones", "--credentials", f"{work}/credentials.csv")
        rows = list(csv.reader(open(f"{work}/credentials.csv")))
        header, body = rows[0], rows[1:]
        for name, part in (("a", [r for r in body if r[0].startswith("m0")]), ("rest", [r for r in body if not r[0].startswith("m0")])):
            with open(f"{work}/credentials-{name}.csv", "w", newline="") as f:
                csv.writer(f, lineterminator="\n").writerows([header, *part])
            sims.append(subprocess.Popen(
                [os.path.join(bin_dir, "commcast-sim"), "--station", status["link_address"].replace("0.0.0.0", "127.0.0.1"),
                 "--credentials", f"{work}/credentials-{name}.csv", "--json", "--duration", "600", "--link-timeout", "10"],
                stdout=subprocess.PIPE, stderr=open(f"{work}/sim-{name}.log", "w"), text=True))

        prometheus = Prometheus(status["metrics_address"], work)
        clusters = len(ZONES) * PER_ZONE
        prometheus.wait_for("Prometheus scrapes the station", lambda: prometheus.scalar('up{job="commcast"}') == 1)
        prometheus.wait_for(f"all {clusters} clusters online in Prometheus",
                            lambda: prometheus.scalar('sum(commcast_clusters{state="online"})') == clusters)
        by_zone = prometheus.query('sum by (zone) (commcast_clusters)')
        check(sorted((dict(k)["zone"], v) for k, v in by_zone.items()) == [(z, PER_ZONE) for z in ZONES],
              f"clusters by zone: {PER_ZONE} in each of {ZONES}")
        check(prometheus.scalar("commcast_clusters_connected") == clusters, "links open")

        # A recording, a text read by the voice, both for every cluster; then a live broadcast.
        subprocess.run(["sox", "-n", "-r", "48000", "-c", "1", f"{work}/tone.wav", "synth", "3", "sine", "660", "gain", "-12"], check=True)
        at = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) + timedelta(seconds=12)
        station.commcast("bulletin", "add", "--title", "Tin thử", "--file", f"{work}/tone.wav", "--zone", "tinh",
                         "--at", at.strftime("%Y-%m-%d %H:%M:%S"))
        station.commcast("bulletin", "add", "--title", "Tin đọc", "--text", "Thông báo thử.", "--zone", "tinh",
                         "--at", (at + timedelta(seconds=8)).strftime("%Y-%m-%d %H:%M:%S"))
        prometheus.wait_for(f"{2 * clusters} airings completed in Prometheus",
                            lambda: prometheus.scalar('sum(commcast_airings_total{event="completed"})') == 2 * clusters, seconds=90)
        stats = json.loads(station.commcast("stats", "--json"))
        check(stats["total"]["completed"] == 2 * clusters, f"the station counts the same completed airings ({stats['total']})")
        check(prometheus.scalar('sum(commcast_airings_total{event="started"})') == 2 * clusters, "airings started")
        check(prometheus.scalar('sum(commcast_airings_total{event="planned"})') == 2 * clusters, "airings planned")
        check(prometheus.scalar('sum(commcast_receipts_total{result="counted"})') == 4 * clusters, "receipts counted (started and completed)")
        check(prometheus.scalar("commcast_schedule_pushes_total") >= clusters, "schedules pushed")
        media = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(f"{work}/state/media") for f in fs)
        check(prometheus.scalar("commcast_media_bytes_served_total") >= clusters * media * 0.99,
              f"media bytes served: every cluster fetched both files ({clusters} × {media} B)")
        check(prometheus.scalar("commcast_tts_duration_seconds_count") == 1, "one voice timed")
        check(prometheus.scalar("commcast_ingest_duration_seconds_count") == 2, "two ingests timed")
        station.commcast("live", "--file", f"{work}/tone.wav", "--zone", "tinh", "--level", "priority", "--title", "Trực tiếp thử")
        prometheus.wait_for("the live broadcast counted",
                            lambda: prometheus.scalar('commcast_live_broadcasts_total{level="priority"}') == 1)
        # 3 s of 20 ms frames; the command returns once the file is sent, a scrape later they are all counted.
        prometheus.wait_for("3 s of 20 ms live frames", lambda: prometheus.scalar("commcast_live_frames_total") >= 150)
        check(prometheus.scalar("commcast_live_frames_sent_total / commcast_live_frames_total") == clusters,
              "each live frame sent to every cluster")
        routes = prometheus.query('sum by (http_route, http_response_status_code) (commcast_api_requests_total)')
        check(any(dict(k).get("http_route") == "/v1/bulletins" and dict(k).get("http_response_status_code") == "201" for k in routes),
              f"API requests by route and status ({sorted(dict(k).get('http_route') for k in routes)})")

        # Zone a goes dark (its clusters' power cut: killed, no goodbye).
        sims[0].send_signal(signal.SIGKILL)
        prometheus.wait_for("zone a's 4 clusters offline in Prometheus",
                            lambda: prometheus.scalar('sum(commcast_clusters{zone="tinh/a",state="offline"})') == PER_ZONE)
        prometheus.wait_for("the zone alert pending for zone a",
                            lambda: any(dict(k).get("zone") == "tinh/a" for k in prometheus.query('ALERTS{alertname="CommcastZoneOffline"}')))
        others = [dict(k).get("zone") for k in prometheus.query('ALERTS{alertname="CommcastZoneOffline"}')]
        check(others == ["tinh/a"], f"no alert for the zones still online ({others})")
        check(prometheus.scalar('sum(commcast_clusters{zone="tinh/b",state="online"})') == PER_ZONE, "zone b still online")
        rules = [r for g in prometheus.api("rules")["groups"] for r in g["rules"]]
        check(len(rules) == 5 and all(r["health"] == "ok" for r in rules),
              f"the 5 alert rules loaded and evaluating ({[(r['name'], r['health'], r.get('lastError')) for r in rules]})")

        # The dashboard: every query valid, and answering (but the province's, off here).
        dashboard = json.load(open(os.path.join(MONITORING, "grafana-dashboard.json")))
        targets = [(p["title"], t["expr"]) for p in dashboard["panels"] for t in p.get("targets", [])]
        empty = []
        for title, expr in targets:
            result = prometheus.api("query", query=expr.replace("$instance", ".*"))["result"]
            if not result:
                empty.append(title)
        check(empty == ["Since the province last accepted"], f"all {len(targets)} dashboard queries answer (empty: {empty})")
        print(f"{len(targets)} dashboard queries asked")
    finally:
        for sim in sims:
            if sim.poll() is None:
                sim.terminate()
            sim.wait(timeout=30)
        if prometheus:
            prometheus.stop()
        daemon.terminate()
        daemon.wait(timeout=30)
    print(f"\n{'all checks passed' if not FAILURES else f'{len(FAILURES)} failed'}")
    return len(FAILURES)


if __name__ == "__main__":
    sys.exit(main())
