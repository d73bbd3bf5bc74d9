"""Drives commcastd and commcast-sim for Benchmarks/run-link.sh and prints the figures."""
import json, os, subprocess, sys, tempfile, threading, time
from bench_station import Station, cpu_and_rss, rss_parts, write_province
from datetime import datetime, timedelta, timezone

bin_dir, clusters, jitter = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
heartbeat = int(sys.argv[4]) if len(sys.argv) > 4 else 5
# When every link is dropped at once: 25 s, after the bulletin's delivery to 1,661; a
# later drop keeps a bigger province's downloads out of the storm.
drop_at = int(sys.argv[5]) if len(sys.argv) > 5 else 25
# Heartbeats are counted from 15 s after the drop until just before the airing, which
# is 65 s after the drop (90 s from the start by default).
heartbeat_window = 15 if heartbeat <= 7 else 45
work = tempfile.mkdtemp(prefix="commcast-linkbench-")
port = 17471
# No quiet hours: the bulletin must air whatever the station's time of day when the
# benchmark runs (at 02:00 in Vietnam a normal bulletin is held back, and is now refused).
station = Station(bin_dir, work, port, link=f"heartbeat_seconds = {heartbeat}", extra='[schedule]\nquiet_hours = "none"')
daemon, cli = station.daemon, station.cli

# A province: clusters spread over 111 communes.
write_province(f"{work}/clusters.csv", clusters)
cli("cluster", "import", f"{work}/clusters.csv", "--create-zones", "--credentials", f"{work}/credentials.csv")

# A 3-minute bulletin for the whole province.
text = "Ủy ban nhân dân xã thông báo lịch tiêm chủng cho trẻ em dưới năm tuổi tại trạm y tế xã. " * 9
subprocess.run(["espeak-ng", "-v", "vi-vn-x-south", "-w", f"{work}/part.wav", text], check=True)
subprocess.run(["sox", f"{work}/part.wav", f"{work}/part.wav", f"{work}/part.wav", f"{work}/part.wav", f"{work}/part.wav",
                f"{work}/long.wav"], check=True)
subprocess.run(["sox", f"{work}/long.wav", f"{work}/bulletin.wav", "trim", "0", "180"], check=True)

# Where the peak falls: the daemon's RSS twice a second, with the time since the sim started.
samples = []
def sample_rss():
    while daemon.poll() is None:
        try: samples.append((time.time() - sim_start, cpu_and_rss(daemon.pid)[1]))
        except (FileNotFoundError, ProcessLookupError): break
        time.sleep(0.5)

# The bulletin is queued (and ingested: decoded, measured and encoded in memory) before
# the clusters connect, so the ingest's own peak is not counted against the link.
# The recording is uploaded first and the airing timed after: the ingest encodes until
# the decoded file is on the loudness target (tens of seconds for three minutes), and an
# airing timed before it would start inside the heartbeat window measured below.
upload = subprocess.run(["curl", "-sS", "--fail", "--unix-socket", station.sock, "-X", "POST", "--data-binary", f"@{work}/bulletin.wav",
                         "-H", "Content-Type: application/octet-stream", "http://localhost/v1/media"], capture_output=True, check=True)
sha = json.loads(upload.stdout)["sha256"]
air_at = datetime.now(timezone(timedelta(hours=7))) + timedelta(seconds=drop_at + 65)
request = {"title": "Ba phút", "level": "normal", "media_sha256": sha, "targets": [{"zone": "tinh"}],
           "schedule": {"at": air_at.strftime("%Y-%m-%d %H:%M:%S")}}
subprocess.run(["curl", "-sS", "--fail", "--unix-socket", station.sock, "-X", "POST", "--data-binary", json.dumps(request),
                "-H", "Content-Type: application/json", "http://localhost/v1/bulletins"], capture_output=True, check=True)
_, rss_after_ingest, hwm_ingest = cpu_and_rss(daemon.pid)

sim_duration = max(300, drop_at + 275)
cpu0, _, _ = cpu_and_rss(daemon.pid)
sim_start = time.time()
threading.Thread(target=sample_rss, daemon=True).start()
# With COMMCAST_PIN=1 the station runs on core 0 and the simulated clusters on core 1, so
# that neither takes the other's CPU and the one that runs out of its core shows.
pinned = os.environ.get("COMMCAST_PIN") == "1" and os.cpu_count() >= 2
if pinned:
    for tid in os.listdir(f"/proc/{daemon.pid}/task"): os.sched_setaffinity(int(tid), {0})
sim = subprocess.Popen((["taskset", "-c", "1"] if pinned else []) + [f"{bin_dir}/commcast-sim", "--station", f"127.0.0.1:{port}", "--credentials", f"{work}/credentials.csv",
                        "--json", "--duration", str(sim_duration), "--until-completed", str(clusters), "--reconnect-jitter", str(jitter),
                        "--drop-all-at", str(drop_at)],
                       stdout=subprocess.PIPE, stderr=open(f"{work}/sim.log", "w"), text=True)
# Everyone connects and fetches the bulletin; every link drops at `drop_at`; then steady heartbeats.
# With COMMCAST_PERF=1, `perf record` samples the daemon and the simulator from just before the drop for 16 s: the storm.
time.sleep(20)
_, rss_connected, _ = cpu_and_rss(daemon.pid)
anon_connected, file_connected = rss_parts(daemon.pid)
# Who the storm's CPU goes to: the station or the simulator (both on the same cores).
time.sleep(max(0, drop_at - 0.5 - (time.time() - sim_start)))
storm_cpu0 = (cpu_and_rss(daemon.pid)[0], cpu_and_rss(sim.pid)[0], time.time())
profiles = []
if os.environ.get("COMMCAST_PERF") == "1":
    for name, pid in (("station", daemon.pid), ("simulator", sim.pid)):
        profiles.append((name, f"{work}/perf-storm-{name}.data", subprocess.Popen(
            ["perf", "record", "-F", "499", "-g", "-p", str(pid), "-o", f"{work}/perf-storm-{name}.data", "--", "sleep", "16"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
time.sleep(max(0, drop_at + 15 - (time.time() - sim_start)))
storm_cpu1 = (cpu_and_rss(daemon.pid)[0], cpu_and_rss(sim.pid)[0], time.time())
hb0 = json.loads(cli("status", "--json").stdout)["heartbeats_received"]; t0 = time.time(); hbcpu0, _, _ = cpu_and_rss(daemon.pid)
time.sleep(heartbeat_window)
hb1 = json.loads(cli("status", "--json").stdout)["heartbeats_received"]; t1 = time.time(); hbcpu1, _, _ = cpu_and_rss(daemon.pid)
out, _ = sim.communicate()
sim_seconds = time.time() - sim_start
cpu1, rss, hwm = cpu_and_rss(daemon.pid)
summary = json.loads(out)
stats = json.loads(cli("stats", "--by", "day", "--format", "json").stdout)
completed = stats["total"]["completed"]
station.stop()

print(f"clusters: {clusters}; heartbeat every {heartbeat} s; reconnect jitter 0-{jitter:g} s; sim ran {sim_seconds:.0f} s"
      + ("; station pinned to core 0, simulator to core 1" if pinned else ""))
def row(name, value): print(f"{name:<52} {value}")
row("all connected from cold", f"{summary['all_connected_after_seconds']:.2f} s")
row(f"reconnect storm (every link dropped at {drop_at} s) settled", f"{summary['reconnected_after_drop_seconds']:.2f} s" if summary.get("reconnected_after_drop_seconds") else "not settled")
row(f"CPU from the drop to {drop_at + 15} s: station / simulator",
    f"{(storm_cpu1[0] - storm_cpu0[0]) / (storm_cpu1[2] - storm_cpu0[2]) * 100:.0f} % / "
    f"{(storm_cpu1[1] - storm_cpu0[1]) / (storm_cpu1[2] - storm_cpu0[2]) * 100:.0f} % of a core (of {'100 % each' if pinned else '200 %'})")
row("heartbeat ingest (steady state)", f"{(hb1 - hb0) / (t1 - t0):.0f} heartbeats/s, "
    f"{(hbcpu1 - hbcpu0) / max(1, hb1 - hb0) * 1e6:.0f} µs daemon CPU each, "
    f"{(hbcpu1 - hbcpu0) / (t1 - t0) * 100:.1f} % of a core (all work in that {t1 - t0:.0f} s window)")
row("3-minute bulletin delivered to all (schedule → last verified copy)", f"{summary['delivery_seconds']:.2f} s" if summary.get("delivery_seconds") else "-")
row("media downloaded", f"{summary['downloads']} files, {summary['downloaded_bytes'] / 1e6:.1f} MB")
row("airings completed / failed / receipts pending", f"{summary['airings_completed']} / {summary['airings_failed']} / {summary['receipts_pending']}")
row("airings the station counted completed", f"{completed}")
row("daemon CPU during the run", f"{cpu1 - cpu0:.1f} s over {sim_seconds:.0f} s ({(cpu1 - cpu0) / sim_seconds * 100:.0f} % of one core)")
row("daemon RSS after ingesting the bulletin (ingest peak)", f"{rss_after_ingest:.1f} MB ({hwm_ingest:.1f} MB)")
row("daemon RSS, all connected and the bulletin delivered", f"{rss_connected:.1f} MB (anonymous {anon_connected:.1f} MB, file-backed {file_connected:.1f} MB)")
steady = sorted(r for t, r in samples if drop_at + 20 <= t <= drop_at + 60)
if steady: row(f"daemon RSS, steady state {drop_at + 20}–{drop_at + 60} s (median / max)", f"{steady[len(steady) // 2]:.1f} MB / {steady[-1]:.1f} MB")
row("daemon RSS at the end of the run", f"{rss:.1f} MB")
peak_t, peak_rss = max(samples, key=lambda x: x[1])
row("daemon RSS peak while clusters were connected", f"{peak_rss:.1f} MB at {peak_t:.0f} s (drop-all at {drop_at} s, airing from ~{drop_at + 65} s)")
print("sim errors:", summary.get("errors", {}))
for name, data, perf in profiles:
    perf.wait()
    for sort in ("dso", "dso,symbol"):
        report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", sort, "--percent-limit", "1.5", "--stdio", "-g", "none"],
                                capture_output=True, text=True).stdout
        print(f"perf: where the {name}'s time went in the storm, by {sort} ({data}):")
        print("\n".join(line.rstrip()[:150] for line in report.splitlines() if line.strip() and not line.startswith("#")))
print("work directory:", work)
