"""Drives commcastd, commcast-sim, Icecast 2 and OggListeners for Benchmarks/run-live.sh."""
import base64, http.client, json, os, socket, subprocess, sys, tempfile, threading, time
from bench_station import Station, cpu_and_rss, write_province

bin_dir, listeners_bin, floor_bin, clusters = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
frames_per_write = int(sys.argv[5]) if len(sys.argv) > 5 else 1
work = tempfile.mkdtemp(prefix="commcast-livebench-")
os.chmod(work, 0o777)
port, ice_port, seconds = 17472, 17473, 30
station = Station(bin_dir, work, port, extra=f"[live]\nframes_per_write = {frames_per_write}")
daemon, cli, cpu = station.daemon, station.cli, lambda pid: cpu_and_rss(pid)[0]

# A province, plus one cluster no simulator plays (the Icecast phase targets it, so
# the station then only feeds its Ogg stream).
write_province(f"{work}/clusters.csv", clusters, extra_rows=["zz-quiet,Không mô phỏng,tinh/xa-000"])
cli("cluster", "import", f"{work}/clusters.csv", "--create-zones", "--credentials", f"{work}/all-credentials.csv")
with open(f"{work}/all-credentials.csv") as src, open(f"{work}/credentials.csv", "w") as dst:
    dst.writelines(line for line in src if not line.startswith("zz-quiet"))

text = "Thông báo khẩn: bão số chín đang vào bờ, bà con không ra khơi, gia cố nhà cửa. " * 6
subprocess.run(["espeak-ng", "-v", "vi-vn-x-south", "-w", f"{work}/part.wav", text], check=True)
subprocess.run(["sox", f"{work}/part.wav", f"{work}/part.wav", f"{work}/long.wav"], check=True)
subprocess.run(["sox", f"{work}/long.wav", "-r", "48000", f"{work}/live.wav", "trim", "0", str(seconds)], check=True)

# With COMMCAST_PIN=1 the station runs on core 0 and the simulated clusters on core 1 for
# phase 1, so the clusters' lag shows which of the two falls behind; the station gets both
# cores back for the listener phases.
pinned = os.environ.get("COMMCAST_PIN") == "1" and os.cpu_count() >= 2
def pin_station(cores):
    for tid in os.listdir(f"/proc/{daemon.pid}/task"): os.sched_setaffinity(int(tid), cores)
if pinned: pin_station({0})
sim = subprocess.Popen((["taskset", "-c", "1"] if pinned else []) + [f"{bin_dir}/commcast-sim", "--station", f"127.0.0.1:{port}", "--credentials", f"{work}/credentials.csv",
                        "--json", "--duration", "75", "--reconnect-jitter", "2", "--live-decode-percent", "2"],
                       stdout=subprocess.PIPE, stderr=open(f"{work}/sim.log", "w"), text=True)
station.wait_connected(clusters, seconds=60)

# With COMMCAST_PERF=1, `perf record` samples the daemon for 20 s of phases 1 and 3, and
# fanout_floor in phases 4 and 5 (call graphs by frame pointer); the reports are printed.
profiles = []
def profile(name, pid=daemon.pid):
    if os.environ.get("COMMCAST_PERF") != "1": return None
    data = f"{work}/perf-{name}.data"
    profiles.append((name, data))
    return subprocess.Popen(["perf", "record", "-F", "999", "-g", "-p", str(pid), "-o", data, "--", "sleep", "20"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

# Phase 1: the station, live to every cluster.
cpu0, sim0, t0 = cpu(daemon.pid), cpu(sim.pid), time.time()
command_at = time.time()
live_cli = subprocess.Popen([f"{bin_dir}/commcast", "live", "--file", f"{work}/live.wav", "--title", "Bão số 9"],
                            env=station.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
time.sleep(3)
perf = profile("clusters")
live_out, live_err = live_cli.communicate()
if live_cli.returncode != 0: sys.exit(f"commcast live: {live_err}")
if perf: perf.wait()
live = subprocess.CompletedProcess(live_cli.args, 0, live_out, live_err)
cpu1, sim1, t1 = cpu(daemon.pid), cpu(sim.pid), time.time()
packets = int(live.stdout.split(";")[1].split()[0])
out, _ = sim.communicate()
summary = json.loads(out)
if pinned: pin_station(set(range(os.cpu_count())))

# Phase 2: Icecast 2, burst-on-connect off, serving the station's Ogg stream (the same
# pages) to as many HTTP listeners.
os.makedirs(f"{work}/icecast-log", exist_ok=True); os.chmod(f"{work}/icecast-log", 0o777)
with open(f"{work}/icecast.xml", "w") as f:
    f.write(f"""<icecast>
  <limits><clients>{clusters + 100}</clients><sources>2</sources><burst-size>0</burst-size><queue-size>524288</queue-size></limits>
  <authentication><source-password>bench</source-password><admin-user>admin</admin-user><admin-password>bench</admin-password></authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>{ice_port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <mount><mount-name>/live.ogg</mount-name><burst-size>0</burst-size></mount>
  <fileserve>0</fileserve>
  <paths><logdir>{work}/icecast-log</logdir><webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot></paths>
  <logging><loglevel>2</loglevel></logging>
  <security><chroot>0</chroot><changeowner><user>nobody</user><group>nogroup</group></changeowner></security>
</icecast>""")
icecast = subprocess.Popen(["icecast2", "-c", f"{work}/icecast.xml"], stdout=subprocess.DEVNULL, stderr=open(f"{work}/icecast.err", "w"))
time.sleep(1)
paths_used = set()
def quiet_broadcast():
    """A broadcast to the one cluster nobody simulates, so the station then only feeds its
    Ogg stream; returns the running command and its stream's path once packets flow."""
    command = subprocess.Popen([f"{bin_dir}/commcast", "live", "--file", f"{work}/live.wav", "--cluster", "zz-quiet", "--title", "Bão số 9"],
                               env=station.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 10
    while True:
        shown = json.loads(cli("live", "show", "--json").stdout)
        if shown.get("ended_at") is None and shown.get("packets", 0) > 0 and shown["stream_path"] not in paths_used: break
        if time.time() > deadline: sys.exit("a broadcast for the listeners did not start")
        time.sleep(0.1)
    paths_used.add(shown["stream_path"])
    return command, shown["stream_path"]
second, stream_path = quiet_broadcast()

def relay():
    """The Icecast source: the station's stream, byte for byte."""
    src = http.client.HTTPConnection("127.0.0.1", port)
    src.request("GET", stream_path)
    body = src.getresponse()
    ice = socket.create_connection(("127.0.0.1", ice_port))
    auth = base64.b64encode(b"source:bench").decode()
    ice.sendall(f"SOURCE /live.ogg HTTP/1.0\r\nAuthorization: Basic {auth}\r\nContent-Type: audio/ogg\r\nIce-Public: 0\r\n\r\n".encode())
    if b"200" not in ice.recv(1024): sys.exit("icecast refused the source")
    while True:
        chunk = body.read1(65536)
        if not chunk: break
        ice.sendall(chunk)
    ice.close()
threading.Thread(target=relay, daemon=True).start()
time.sleep(1)
listen_seconds = 20
ice_cpu0 = cpu(icecast.pid)
listeners = subprocess.run([listeners_bin, f"http://127.0.0.1:{ice_port}/live.ogg", str(clusters), str(listen_seconds),
                            f"http://127.0.0.1:{port}{stream_path}"], capture_output=True, text=True)
ice_cpu1 = cpu(icecast.pid)
ice = json.loads(listeners.stdout)
second.wait()
icecast.terminate(); icecast.wait(timeout=10)

# Phase 3: the station itself serving its Ogg stream to as many HTTP listeners, with
# the same listener program: the like-for-like comparison with Icecast.
third, own_path = quiet_broadcast()
time.sleep(1)
own_cpu0 = cpu(daemon.pid)
perf = profile("listeners")
own = json.loads(subprocess.run([listeners_bin, f"http://127.0.0.1:{port}{own_path}", str(clusters), str(listen_seconds),
                                 f"http://127.0.0.1:{port}{own_path}"], capture_output=True, text=True).stdout)
own_cpu1 = cpu(daemon.pid)
if perf: perf.wait()
third.wait()

# Phases 4 and 5: the floor. `fanout_floor` relays the station's stream to as many
# listeners with nothing but one send per listener per batch (4), or those sends
# submitted to io_uring together (5): what the kernel's TCP work alone costs.
floors = {}
for mode, floor_port in (("send", 17474), ("uring", 17475)):
    command, path = quiet_broadcast()
    floor = subprocess.Popen([floor_bin, str(floor_port), "127.0.0.1", str(port), path, mode], stdout=subprocess.PIPE, text=True)
    time.sleep(1)
    floor_cpu0 = cpu(floor.pid)
    perf = profile(f"floor-{mode}", floor.pid)
    result = json.loads(subprocess.run([listeners_bin, f"http://127.0.0.1:{floor_port}/live.ogg", str(clusters), str(listen_seconds),
                                        f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True).stdout)
    result["cpu"] = cpu(floor.pid) - floor_cpu0
    if perf: perf.wait()
    floor.terminate()
    result.update(json.loads(floor.communicate(timeout=10)[0]))
    floors[mode] = result
    command.wait()
station.stop()

print(f"clusters: {clusters}; {seconds} s emergency broadcast from a file, 20 ms Opus packets, {frames_per_write} per write"
      + ("; phase 1 with the station on core 0, the simulator on core 1" if pinned else ""))
def row(name, value): print(f"{name:<56}{value}")
print("commcastd → clusters (WebSocket link, jitter buffer 120 ms):")
row("  packets sent / received by all clusters", f"{packets} / {summary['live_packets']} (expected {packets * clusters})")
row("  lost / late / out of order", f"{summary['live_lost']} / {summary['live_late']} / {summary['live_out_of_order']}")
row("  capture-to-cluster lag p50 / p99", f"{summary['live_lag_p50_ms']:.0f} ms / {summary['live_lag_p99_ms']:.0f} ms")
row("  command to audio, last cluster (first earliest)", f"{summary['live_first_audio_latest'] - command_at:.2f} s ({summary['live_first_audio_earliest'] - command_at:.2f} s)")
row("  daemon CPU during the broadcast", f"{cpu1 - cpu0:.2f} s over {t1 - t0:.1f} s ({(cpu1 - cpu0) / (t1 - t0) * 100:.1f} % of one core)")
row("  simulator CPU during the broadcast", f"{sim1 - sim0:.2f} s ({(sim1 - sim0) / (t1 - t0) * 100:.1f} % of one core)")
print(f"Icecast 2.4 → {clusters} HTTP listeners (burst-on-connect off, the same Ogg pages):")
row("  listeners that got audio", f"{ice['clients_with_audio']} of {ice['clients']}")
row("  pages received / page gaps", f"{ice['pages']} / {ice['gaps']}")
row("  capture-to-listener lag p50 / p99 / max", f"{ice['lag_p50_ms']:.0f} ms / {ice['lag_p99_ms']:.0f} ms / {ice['lag_max_ms']:.0f} ms")
row("  icecast CPU while serving", f"{ice_cpu1 - ice_cpu0:.2f} s over {listen_seconds} s ({(ice_cpu1 - ice_cpu0) / listen_seconds * 100:.1f} % of one core)")
print(f"commcastd → {clusters} HTTP listeners of its own Ogg stream (the same listener program):")
row("  listeners that got audio", f"{own['clients_with_audio']} of {own['clients']}")
row("  pages received / page gaps", f"{own['pages']} / {own['gaps']}")
row("  capture-to-listener lag p50 / p99 / max", f"{own['lag_p50_ms']:.0f} ms / {own['lag_p99_ms']:.0f} ms / {own['lag_max_ms']:.0f} ms")
row("  daemon CPU while serving", f"{own_cpu1 - own_cpu0:.2f} s over {listen_seconds} s ({(own_cpu1 - own_cpu0) / listen_seconds * 100:.1f} % of one core)")
ice_cpu = ice_cpu1 - ice_cpu0
for mode, result in floors.items():
    print(f"fanout_floor ({'one send(2) per listener per batch' if mode == 'send' else 'the sends of a batch submitted to io_uring at once'}) → {clusters} HTTP listeners:")
    row("  listeners that got audio / page gaps", f"{result['clients_with_audio']} of {result['clients']} / {result['gaps']}")
    row("  capture-to-listener lag p50 / p99 / max", f"{result['lag_p50_ms']:.0f} ms / {result['lag_p99_ms']:.0f} ms / {result['lag_max_ms']:.0f} ms")
    row("  sends / failed", f"{result['sends']} / {result['failed']}")
    row("  CPU while serving", f"{result['cpu']:.2f} s over {listen_seconds} s ({result['cpu'] / listen_seconds * 100:.1f} % of one core)")
print("CPU on the same listeners, as a share of Icecast's:")
row("  commcastd", f"{(own_cpu1 - own_cpu0) / ice_cpu:.2f}")
for mode, result in floors.items(): row(f"  fanout_floor, {mode}", f"{result['cpu'] / ice_cpu:.2f}")
for name, data in profiles:
    report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,symbol", "--percent-limit", "1.5", "--stdio",
                             "-g", "none"], capture_output=True, text=True).stdout
    print(f"perf: where the time went, {name} ({data}):")
    print("\n".join(line for line in report.splitlines() if line.strip() and not line.startswith("#")))
print("work directory:", work)
