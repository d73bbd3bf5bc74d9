"""Drives commcastd and commcast-sim through its fault proxy for Benchmarks/run-field.sh:
for each profile, a fresh station with N clusters, 30-second bulletins for all of them,
and the share of planned airings that started within 2 s of plan, read from the
station's own records (the station's clock). Real time: the daemon's clock is not
injected here.

Profiles (simulator flags; bulletins queued at the start for these seconds ahead; run length):
  none, 4g-good, 4g-bad   two bulletins 90 s and 150 s ahead (the media is delivered ahead), then a
                          20 s live broadcast at 185 s (its frames lost or late at the clusters); 215 s
  outage-30min            a full outage from 60 s for 30 minutes, bulletins at 45 s (before it),
                          5, 15 and 28 minutes (inside it: aired from the cache, counted after); 1,960 s
  late-media              downloads at 2 KiB/s, a bulletin 20 s ahead: its media cannot arrive in time"""
import json, os, sqlite3, subprocess, sys, tempfile, time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from bench_station import Station, write_province

bin_dir, clusters = sys.argv[1], int(sys.argv[2])
profiles = sys.argv[3].split(",") if len(sys.argv) > 3 else ["none", "4g-good", "4g-bad"]
# name: (simulator flags, bulletins' seconds ahead, run length, a 20 s live broadcast at)
PROFILES = {
    "none": ([], [90, 150], 215, 185),
    "4g-good": (["--faults", "4g-good"], [90, 150], 215, 185),
    "4g-bad": (["--faults", "4g-bad"], [90, 150], 215, 185),
    "outage-30min": (["--outage", "60:1800"], [45, 300, 900, 1680], 1960, None),
    "late-media": (["--download-kibps", "2"], [20], 90, None),
}
speech = tempfile.mkdtemp(prefix="commcast-field-speech-")
text = "Ủy ban nhân dân xã thông báo lịch tiêm chủng cho trẻ em dưới năm tuổi tại trạm y tế xã. " * 3
subprocess.run(["espeak-ng", "-v", "vi-vn-x-south", "-w", f"{speech}/part.wav", text], check=True)
subprocess.run(["sox", f"{speech}/part.wav", f"{speech}/bulletin.wav", "trim", "0", "30"], check=True)
subprocess.run(["sox", f"{speech}/part.wav", f"{speech}/live.wav", "trim", "0", "20"], check=True)

print(f"{'profile':<14}{'airings':>9}{'on time (≤2 s)':>16}{'late':>6}{'missed':>8}{'failed':>8}{'receipts':>10}{'links lost':>12}{'media ahead':>13}{'pending':>9}{'live frames':>13}{'lost':>6}{'late':>6}")
for index, profile in enumerate(profiles):
    work = tempfile.mkdtemp(prefix=f"commcast-field-{profile}-")
    port = 17500 + index
    station = Station(bin_dir, work, port, link="heartbeat_seconds = 10", extra='[schedule]\nquiet_hours = "none"')
    write_province(f"{work}/clusters.csv", clusters)
    station.cli("cluster", "import", f"{work}/clusters.csv", "--create-zones", "--credentials", f"{work}/credentials.csv")
    # Times count from the simulator's start, a minute after now: the ingests of the
    # bulletins take their time first (a first outage run counted from before them, and
    # its clusters connected at the first airing's start).
    now = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) + timedelta(seconds=60)
    flags, offsets, duration, live_at = PROFILES[profile]
    times = [now + timedelta(seconds=t) for t in offsets]
    for n, at in enumerate(times):
        station.cli("bulletin", "add", "--title", f"Tin {n + 1}", "--file", f"{speech}/bulletin.wav", "--zone", "tinh",
                    "--at", at.strftime("%Y-%m-%d %H:%M:%S"))
    args = [f"{bin_dir}/commcast-sim", "--station", f"127.0.0.1:{port}", "--credentials", f"{work}/credentials.csv", "--json",
            "--duration", str(duration), "--link-timeout", "10", "--reconnect-jitter", "2", "--live-decode-percent", "0", *flags]
    time.sleep(max(0, (now - datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))).total_seconds()))
    sim = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if live_at is not None:
        time.sleep(max(0, (now + timedelta(seconds=live_at) - datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))).total_seconds()))
        station.cli("live", "--file", f"{speech}/live.wav", "--zone", "tinh", "--level", "priority", "--title", "Trực tiếp")
    summary = json.loads(sim.communicate()[0])
    time.sleep(2)
    station.stop()
    db = sqlite3.connect(f"{work}/state/commcast.sqlite")
    rows = db.execute("SELECT planned_at, started_at, outcome, reason FROM airings WHERE outcome NOT IN ('withdrawn', 'cancelled')").fetchall()
    on_time = sum(1 for p, s, o, r in rows if s is not None and abs(s - p) <= 2000)
    late = sum(1 for p, s, o, r in rows if s is not None and abs(s - p) > 2000)
    missed = sum(1 for p, s, o, r in rows if o == "missed" or (o == "planned" and s is None))
    failed = [r for p, s, o, r in rows if o == "failed"]
    receipts = db.execute("SELECT COUNT(*) FROM airing_receipts").fetchone()[0]
    delivered = summary.get("delivery_seconds")
    share = 100 * on_time / len(rows) if rows else 0
    print(f"{profile:<14}{len(rows):>9}{on_time:>9} ({share:.1f} %){late:>6}{missed:>8}{len(failed):>8}{receipts:>10}{summary['links_lost']:>12}"
          f"{(f'{delivered:.0f} s' if delivered is not None else '-'):>13}{summary['receipts_pending']:>9}"
          f"{summary['live_packets'] if live_at is not None else '-':>13}{summary['live_lost']:>6}{summary['live_late']:>6}", flush=True)
    if failed:
        print(f"  failed: {sorted(set(failed))}")
