"""What the benchmark drivers share: a commcastd on loopback, the CLI against it,
a province of clusters, and a process's CPU seconds and memory."""
import json, os, subprocess, sys, time

TICK = os.sysconf("SC_CLK_TCK")


def cpu_and_rss(pid):
    """CPU seconds so far, RSS and peak RSS (MB) of a process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICK
    hwm = rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"): hwm = int(line.split()[1]) / 1024
            if line.startswith("VmRSS:"): rss = int(line.split()[1]) / 1024
    return cpu, rss, hwm


def rss_parts(pid):
    """The RSS (MB) of a process split into anonymous memory (heap, stacks, copied-on-write
    pages) and file-backed pages (code and read-only data mapped from the binary and
    its libraries, which the kernel can drop and read again)."""
    anon = file = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("RssAnon:"): anon = int(line.split()[1]) / 1024
            if line.startswith("RssFile:"): file = int(line.split()[1]) / 1024
    return anon, file


def write_province(path, clusters, extra_rows=()):
    """A province's cluster CSV: clusters spread over 111 communes."""
    with open(path, "w") as f:
        f.write("id,name,zone\n")
        for i in range(clusters):
            f.write(f"c{i:04d},Cụm {i},tinh/xa-{i % 111:03d}\n")
        for row in extra_rows:
            f.write(row + "\n")


class Station:
    """A release commcastd in `work`, listening for clusters on 127.0.0.1:`port`."""

    def __init__(self, bin_dir, work, port, link="", extra=""):
        self.bin_dir, self.work = bin_dir, work
        self.sock = f"{work}/control.sock"
        self.env = {**os.environ, "COMMCAST_SOCKET": self.sock}
        with open(f"{work}/commcastd.toml", "w") as f:
            f.write(f"""[daemon]\nstate_directory = "{work}/state"\nlog_level = "warning"\n"""
                    f"""[link]\nlisten_address = "127.0.0.1"\nport = {port}\n{link}\n"""
                    f"""[control]\nsocket_path = "{self.sock}"\n{extra}\n""")
        self.daemon = subprocess.Popen([f"{bin_dir}/commcastd", "--config", f"{work}/commcastd.toml"],
                                       stderr=open(f"{work}/commcastd.log", "w"))
        deadline = time.time() + 30
        while not os.path.exists(self.sock):
            if time.time() > deadline: sys.exit("commcastd did not start")
            time.sleep(0.05)

    def cli(self, *args, check=True):
        """Runs `commcast` against this daemon; exits the benchmark if it fails and `check`."""
        r = subprocess.run([f"{self.bin_dir}/commcast", *args], env=self.env, capture_output=True, text=True)
        if check and r.returncode != 0:
            sys.exit(f"commcast {' '.join(args)}: {r.stderr}")
        return r

    def wait_connected(self, clusters, seconds=90):
        """Waits until `clusters` clusters are connected, then 3 s for the first schedules to settle."""
        deadline = time.time() + seconds
        while json.loads(self.cli("status", "--json").stdout).get("clusters_connected") != clusters:
            if time.time() > deadline: sys.exit("not every cluster connected")
            time.sleep(0.5)
        time.sleep(3)

    def stop(self):
        self.daemon.terminate()
        self.daemon.wait(timeout=30)
