"""Drives commcastd, commcast-sim and headless Chromium for Benchmarks/run-console.sh
and prints the web console's figures against issue 16's budgets:
- the overview of 1,661 clusters rendered within 1 s on loopback;
- under 300 KB transferred for a first visit (login page, login, overview, map);
- a cluster going offline shown on an open console within 2 s;
- 50 open consoles cost the idle daemon under 5 % of a core;
- the daemon within 64 MB RSS with 1,661 clusters connected and 20 consoles open."""
import atexit, http.client, json, math, os, subprocess, sys, tempfile, threading, time, wave
from bench_station import Station, cpu_and_rss

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

bin_dir, clusters = sys.argv[1], int(sys.argv[2])


def progress(what):
    print(f"[{time.strftime('%H:%M:%S')}] {what}", file=sys.stderr, flush=True)


work = tempfile.mkdtemp(prefix="commcast-consolebench-")
port = 17481
NAME, PASSWORD = "Tỉnh", "đài phát thanh của cả vùng 2026"
station = Station(bin_dir, work, port, link="heartbeat_seconds = 5",
                  extra=f'[web]\nport = 0\n[schedule]\nquiet_hours = "none"\n'
                        f'[[operators]]\nname = "{NAME}"\nroles = ["operator", "supervisor"]\nzones = ["tinh"]\n')
daemon, cli = station.daemon, station.cli
sims = []


@atexit.register
def stop_everything():
    """Leaves nothing running, whatever stopped the benchmark."""
    for sim in sims:
        if sim.poll() is None: sim.terminate()
    if daemon.poll() is None: station.stop()


# A province: 111 communes under 11 districts, each cluster on the map.
with open(f"{work}/clusters.csv", "w") as f:
    f.write("id,name,zone,latitude,longitude\n")
    for i in range(clusters):
        commune = i % 111
        f.write(f"c{i:04d},Cụm {i},tinh/huyen-{commune % 11:02d}/xa-{commune:03d},"
                f"{11.0 + (commune // 11) * 0.08 + (i % 15) * 0.004:.4f},{106.4 + (commune % 11) * 0.08 + (i // 111) * 0.004:.4f}\n")
cli("cluster", "import", f"{work}/clusters.csv", "--create-zones", "--credentials", f"{work}/credentials.csv")
progress(f"{clusters} clusters imported")
subprocess.run([f"{bin_dir}/commcast", "operator", "passwd", NAME], input=PASSWORD + "\n", text=True, env=station.env, check=True,
               capture_output=True)
with wave.open(f"{work}/tone.wav", "wb") as w:
    w.setnchannels(1), w.setsampwidth(2), w.setframerate(48000)
    w.writeframes(b"".join(int(8000 * math.sin(2 * math.pi * 440 * n / 48000)).to_bytes(2, "little", signed=True) for n in range(48000 * 3)))
cli("bulletin", "add", "--title", "Bản tin sáng", "--file", f"{work}/tone.wav", "--zone", "tinh", "--daily", "06:00,11:00,17:00")
progress("bulletin queued")
console = json.loads(cli("status", "--json").stdout)["console_address"]
host, console_port = console.rsplit(":", 1)

# All clusters but one in one simulator; the last alone, so that it can go offline by itself.
lines = open(f"{work}/credentials.csv").read().splitlines()
with open(f"{work}/most.csv", "w") as f: f.write("\n".join(lines[:-1]) + "\n")
with open(f"{work}/last.csv", "w") as f: f.write("\n".join([lines[0], lines[-1]]) + "\n")
sims += [subprocess.Popen([f"{bin_dir}/commcast-sim", "--station", f"127.0.0.1:{port}", "--credentials", f"{work}/{name}.csv",
                          "--duration", "1200"], stdout=subprocess.DEVNULL, stderr=open(f"{work}/sim-{name}.log", "w"))
        for name in ("most", "last")]
deadline = time.time() + 180
while time.time() < deadline:
    if json.loads(cli("status", "--json").stdout).get("clusters_connected") == clusters: break
    time.sleep(1)
else:
    sys.exit("the clusters did not all connect")
progress("all clusters connected")
time.sleep(12)  # a few health passes and heartbeats: the station at rest


def browser(width, height):
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"), options=options)


def wait(driver, condition, seconds=30):
    return WebDriverWait(driver, seconds, poll_frequency=0.02).until(lambda d: condition(d))


def transferred(driver):
    return driver.execute_script("""
        const entries = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")];
        return entries.reduce((sum, e) => sum + (e.transferSize || 0), 0);""")


figures = {}
for label, (width, height) in {"phone": (360, 740), "desktop": (1366, 768)}.items():
    progress(f"browser at {label} size")
    driver = browser(width, height)
    try:
        # A first visit: an empty cache, the login page, the login, the overview and its map.
        driver.get(f"http://{console}/")
        wait(driver, lambda d: d.find_element(By.ID, "login").is_displayed())
        driver.find_element(By.ID, "name").send_keys(NAME)
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.execute_script("window.loginClicked = performance.now()")
        driver.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
        wait(driver, lambda d: d.find_element(By.ID, "n-online").text == str(clusters))
        wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#map circle")) == clusters)
        after_login = driver.execute_script("return performance.getEntriesByName('commcast-overview')[0].startTime - window.loginClicked")
        time.sleep(1)
        figures[f"{label}: first visit transferred"] = f"{transferred(driver) / 1024:.0f} KB (budget 300 KB)"
        figures[f"{label}: login to overview counted"] = f"{after_login:.0f} ms"
        # Opening the console again, logged in: navigation to the counts shown, and to the map drawn.
        driver.get(f"http://{console}/")
        wait(driver, lambda d: d.execute_script("return performance.getEntriesByName('commcast-overview').length") == 1)
        wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#map circle")) == clusters)
        counted = driver.execute_script("return performance.getEntriesByName('commcast-overview')[0].startTime")
        drawn = driver.execute_script("return performance.now()")
        figures[f"{label}: overview rendered (navigation to counts)"] = f"{counted:.0f} ms (budget 1000 ms)"
        figures[f"{label}: ... and the map of {clusters} points drawn"] = f"≤ {drawn:.0f} ms"
        if label == "desktop":
            # One cluster goes offline: how long until the open console shows it.
            sims[1].terminate()
            gone = time.time()
            wait(driver, lambda d: d.find_element(By.ID, "n-offline").text == "1", 30)
            figures["a cluster offline shown on an open console"] = f"{time.time() - gone:.2f} s (budget 2 s)"
    finally:
        driver.quit()


class Console(threading.Thread):
    """A console left open: logged in, following the health events, reading them."""
    def __init__(self):
        super().__init__(daemon=True)
        self.events = 0
        self.ready = threading.Event()

    def run(self):
        c = http.client.HTTPConnection(host, int(console_port), timeout=60)
        c.request("POST", "/v1/session", json.dumps({"name": NAME, "password": PASSWORD}), {"Content-Type": "application/json"})
        r = c.getresponse()
        cookie = r.getheader("Set-Cookie").split(";")[0]
        r.read()
        c.request("GET", "/v1/health/events", headers={"Cookie": cookie, "Accept": "text/event-stream"})
        stream = c.getresponse()
        self.ready.set()
        while True:
            line = stream.readline()
            if not line: return
            if line.startswith(b"event:"): self.events += 1


def cpu_over(seconds):
    before = cpu_and_rss(daemon.pid)[0]
    time.sleep(seconds)
    return (cpu_and_rss(daemon.pid)[0] - before) / seconds


progress("consoles left open")
idle = cpu_over(30)
consoles = []
for target in (20, 50):
    while len(consoles) < target:
        c = Console()
        c.start()
        consoles.append(c)
    for c in consoles: c.ready.wait(60)
    time.sleep(5)
    _, rss, hwm = cpu_and_rss(daemon.pid)
    figures[f"daemon RSS, {clusters} clusters and {target} consoles open"] = f"{rss:.1f} MB (peak {hwm:.1f} MB; budget 64 MB)"
    if target == 50:
        busy = cpu_over(30)
        figures["daemon CPU, idle station, no console"] = f"{idle * 100:.2f} % of a core"
        figures["daemon CPU, idle station, 50 consoles open"] = f"{busy * 100:.2f} % of a core (+{(busy - idle) * 100:.2f}; budget +5)"
figures["consoles still following"] = f"{sum(1 for c in consoles if c.is_alive())} of {len(consoles)}"

stop_everything()
print(f"clusters: {clusters}; heartbeat every 5 s; Chromium {subprocess.run(['chromium', '--version'], capture_output=True, text=True).stdout.strip()}")
for name, value in figures.items():
    print(f"{name:<58} {value}")
