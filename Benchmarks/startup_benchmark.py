"""Start-up times of the shipped binaries, for Benchmarks/run-startup.sh."""
import os, socket, statistics, subprocess, sys, tempfile, time

dist, unstripped, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
work = tempfile.mkdtemp(prefix="commcast-startup-")
sock = f"{work}/control.sock"
with open(f"{work}/commcastd.toml", "w") as f:
    f.write(f'[daemon]\nstate_directory = "{work}/state"\nlog_level = "warning"\n[link]\nport = 0\n[control]\nsocket_path = "{sock}"\n')
env = {**os.environ, "COMMCAST_SOCKET": sock}

def timed(argv, n=runs):
    """Median and 90th percentile wall time of `argv`, in ms, after one warm-up run."""
    subprocess.run(argv, env=env, capture_output=True)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1]

def daemon_ready(binary):
    """ms from exec until the control socket accepts a connection."""
    t = time.perf_counter()
    daemon = subprocess.Popen([binary, "--config", f"{work}/commcastd.toml"], stderr=subprocess.DEVNULL)
    while True:
        try:
            s = socket.socket(socket.AF_UNIX); s.connect(sock); s.close(); break
        except OSError:
            if time.perf_counter() - t > 30: sys.exit("commcastd did not start")
            time.sleep(0.001)
    ready = (time.perf_counter() - t) * 1000
    return daemon, ready

def row(name, value): print(f"{name:<58}{value}")
for name in ["commcastd", "commcast"]:
    row(f"{name} on disk, shipped (unstripped)",
        f"{os.path.getsize(f'{dist}/{name}') / 1048576:.1f} MB ({os.path.getsize(f'{unstripped}/{name}') / 1048576:.1f} MB); "
        f"debug information apart {os.path.getsize(f'{dist}/debug/{name}.debug') / 1048576:.1f} MB")
for label, directory in [("shipped", dist), ("unstripped", unstripped)]:
    row(f"commcast --version ({label}), median / p90", "%.1f ms / %.1f ms" % timed([f"{directory}/commcast", "--version"]))
row("commcast status, daemon down (shipped), median / p90", "%.1f ms / %.1f ms" % timed([f"{dist}/commcast", "status"]))
readies = []
for _ in range(10):
    daemon, ready = daemon_ready(f"{dist}/commcastd")
    readies.append(ready)
    daemon.terminate(); daemon.wait(timeout=30)
row("commcastd exec to control socket answering, median of 10", f"{statistics.median(readies):.0f} ms")
daemon, _ = daemon_ready(f"{dist}/commcastd")
row("commcast status, daemon up (shipped), median / p90", "%.1f ms / %.1f ms" % timed([f"{dist}/commcast", "status"]))
row("commcast status --json, daemon up (shipped), median / p90", "%.1f ms / %.1f ms" % timed([f"{dist}/commcast", "status", "--json"]))
daemon.terminate(); daemon.wait(timeout=30)
print("work directory:", work)
