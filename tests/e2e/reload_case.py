#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Reload under load (issue 15): a generated capture replays without end
(net_pcap infinite_rx) through wiremask while its config changes.

  sighup     every ~second: SIGHUP with the file rewritten, alternating a
             valid policy A (e-mail only), an invalid file, policy B
             (e-mail, card, SSN) and a change that needs a restart;
             then /wiremask/reload over DPDK telemetry. Checks: each
             valid one is taken (log line with parse/compile time),
             each invalid one refused with FILE:LINE, the restart one
             named, the counters config.reload_* agree, cards are masked
             only while B is in effect, and no frame is lost (port.rx ==
             port.tx, no drop.*, no missed/nombuf at the ports).
  configmap  the config is mounted the way the kubelet mounts a
             ConfigMap (wiremask.cfg -> ..data/wiremask.cfg, ..data ->
             ..2026_...): swapping ..data reloads it with no signal, an
             invalid one is refused and the old one stays.

Usage: reload_case.py sighup|configmap  (WIREMASK, GEN from meson).
"""
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

WIREMASK = os.environ.get("WIREMASK", "build/app/wiremask")
GEN = os.environ.get("GEN", "build/app/wiremask-gen")

HEAD = "ports = { mbufs = 32767; };\n"
CFG_A = HEAD + """policies = { p = {
  email = { operator = "redact"; fill = "*"; };
}; };
segments = { default = { policy = "p"; }; };
"""
CFG_B = HEAD + """policies = { p = {
  email = { operator = "redact"; fill = "*"; };
  card = { operator = "partial"; keep_first = 6; keep_last = 4; fill = "*"; };
  ssn = { operator = "partial"; keep_last = 4; fill = "*"; };
}; };
segments = { default = { policy = "p"; }; };
"""
# Line 4: an operator that does not exist.
CFG_BAD = HEAD + """policies = { p = {
  email = { operator = "redact"; fill = "*"; };
  card = { operator = "scramble"; };
}; };
segments = { default = { policy = "p"; }; };
"""
CFG_RESTART = CFG_B.replace("mbufs = 32767", "mbufs = 16383")

failures = []


def check(cond, what):
    print("%s %s" % ("ok  " if cond else "FAIL", what))
    if not cond:
        failures.append(what)


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def telemetry(prefix, cmd):
    """One command on EAL's telemetry socket (v2: JSON answers)."""
    path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
    if os.getuid() != 0:
        path = os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"),
                            "dpdk", prefix, "dpdk_telemetry.v2")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(60)
    s.connect(path)
    s.recv(16384)                       # the greeting
    s.send(cmd.encode())
    ans = json.loads(s.recv(1 << 20).decode())
    s.close()
    return ans.get(cmd.split(",")[0])


def start(work, cfg, prefix, extra):
    cap = os.path.join(work, "in.pcap")
    empty = os.path.join(work, "empty.pcap")
    if not os.path.exists(cap):
        subprocess.run([GEN, "-o", cap, "--packets", "5000", "--seed", "5"],
                       check=True, stdout=subprocess.DEVNULL)
        with open(empty, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    log = open(os.path.join(work, "log.txt"), "w")
    cmd = [WIREMASK, "-l", "0,1", "--no-huge", "-m", "1024", "--no-pci",
           "--no-shconf", "--file-prefix", prefix,
           "--log-level=lib.eal:error",
           "--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1,tx_pcap=/dev/null" % cap,
           "--vdev", "net_pcap1,rx_pcap=%s,tx_pcap=/dev/null" % empty,
           "--", "-c", cfg, "--idle-exit", "0",
           "--stats-json", os.path.join(work, "stats.json")] + extra
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    return proc


def log_text(work):
    with open(os.path.join(work, "log.txt")) as f:
        return f.read()


def wait_log(work, pattern, count, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if len(re.findall(pattern, log_text(work))) >= count:
            return True
        time.sleep(0.05)
    return False


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        return -1


def mask_rate(prefix):
    """Values masked per frame received over about a second."""
    a = telemetry(prefix, "/wiremask/stats")
    time.sleep(1.0)
    b = telemetry(prefix, "/wiremask/stats")
    rx = b["port_rx"] - a["port_rx"]
    return (b["mask_values"] - a["mask_values"]) / rx if rx else 0.0


def check_no_loss(work):
    st = json.load(open(os.path.join(work, "stats.json")))["counters"]
    drops = {k: v for k, v in st.items()
             if v and (k.startswith("drop.") or k in ("port.tx_drop",
                                                      "port.ring_drop"))}
    check(st["port.rx"] > 0 and st["port.rx"] == st["port.tx"],
          "no frame lost: port.rx %d == port.tx %d" % (st["port.rx"],
                                                       st["port.tx"]))
    check(not drops, "no drop counted: %s" % drops)
    ports = re.findall(r"missed (\d+) rx_nombuf (\d+)", log_text(work))
    check(ports and all(m == "0" and n == "0" for m, n in ports),
          "ports: nothing missed, no mbuf shortage: %s" % ports)
    return st


def case_sighup(work, prefix):
    cfg = os.path.join(work, "wiremask.cfg")
    write(cfg, CFG_A)
    proc = start(work, cfg, prefix, ["--no-watch"])
    check(wait_log(work, r"worker\(s\)", 1), "started")
    time.sleep(1)
    steps = [CFG_B, CFG_BAD, CFG_A, CFG_RESTART, CFG_B, CFG_BAD, CFG_A, CFG_B]
    ok = bad = restart = 0
    for text in steps:
        write(cfg, text)
        proc.send_signal(signal.SIGHUP)
        if text is CFG_BAD:
            bad += 1
            check(wait_log(work, r"reload \(SIGHUP\) refused.*%s:4: "
                           r"policies\.p\.card\.operator" % re.escape(cfg), bad),
                  "invalid config %d refused with FILE:LINE" % bad)
        elif text is CFG_RESTART:
            restart += 1
            check(wait_log(work, r"refused.*ports changed, which needs a "
                           r"restart", restart),
                  "a change of ports refused: needs a restart")
        else:
            ok += 1
            check(wait_log(work, r"reloaded \(SIGHUP\): generation %d, parse "
                           r"[0-9.]+ ms, compile [0-9.]+ ms" % ok, 1),
                  "reload %d taken, parse and compile times logged" % ok)
        time.sleep(1)
    # Last in effect: B. Back to A over telemetry: fewer values masked
    # per frame (e-mails only), then B again: cards and SSNs as well.
    write(cfg, CFG_A)
    ans = telemetry(prefix, "/wiremask/reload")
    check(ans and ans.get("result") == "ok" and ans.get("generation") == ok + 1,
          "/wiremask/reload answers ok, generation %d: %s" % (ok + 1, ans))
    time.sleep(0.5)
    rate_a = mask_rate(prefix)
    write(cfg, CFG_B)
    ans = telemetry(prefix, "/wiremask/reload")
    check(ans and ans.get("result") == "ok", "/wiremask/reload to B: %s" % ans)
    time.sleep(0.5)
    rate_b = mask_rate(prefix)
    check(rate_a > 0 and rate_b > 1.3 * rate_a,
          "values masked per frame: %.4f under A, %.4f under B" %
          (rate_a, rate_b))
    write(cfg, CFG_BAD)
    ans = telemetry(prefix, "/wiremask/reload")
    check(ans and ans.get("result") == "refused" and ":4: " in
          ans.get("message", ""), "/wiremask/reload refuses: %s" % ans)
    rc = stop(proc)
    check(rc == 0, "exit status 0 (got %d)" % rc)
    st = check_no_loss(work)
    check(st["config.reload_ok"] == ok + 2 and
          st["config.reload_failed"] == bad + 1 and
          st["config.reload_restart"] == restart,
          "counters: reload_ok %d, reload_failed %d, reload_restart %d" %
          (st["config.reload_ok"], st["config.reload_failed"],
           st["config.reload_restart"]))
    check(st["flow.rebound"] > 0, "flows moved across reloads: %d"
          % st["flow.rebound"])


def kubelet_swap(vol, text, n):
    """What the kubelet does: a new timestamped dir, ..data swapped."""
    d = "..2026_01_01_00_00_%02d.%d" % (n, os.getpid())
    os.mkdir(os.path.join(vol, d))
    with open(os.path.join(vol, d, "wiremask.cfg"), "w") as f:
        f.write(text)
    tmp = os.path.join(vol, "..data_tmp")
    os.symlink(d, tmp)
    os.rename(tmp, os.path.join(vol, "..data"))
    return d


def case_configmap(work, prefix):
    vol = os.path.join(work, "etc-wiremask")
    os.mkdir(vol)
    old = kubelet_swap(vol, CFG_A, 0)
    os.symlink("..data/wiremask.cfg", os.path.join(vol, "wiremask.cfg"))
    cfg = os.path.join(vol, "wiremask.cfg")
    proc = start(work, cfg, prefix, [])
    check(wait_log(work, r"worker\(s\)", 1), "started")
    time.sleep(1.5)
    check("reloaded" not in log_text(work), "no reload while nothing changed")
    for n, (text, want) in enumerate([(CFG_B, "ok"), (CFG_BAD, "bad"),
                                      (CFG_A, "ok")], 1):
        prev = old
        old = kubelet_swap(vol, text, n)
        subprocess.run(["rm", "-rf", os.path.join(vol, prev)], check=True)
        if want == "ok":
            check(wait_log(work, r"reloaded \(file changed\)",
                           2 if n == 3 else 1, timeout=5),
                  "..data swap %d reloaded within 5 s, no signal" % n)
        else:
            check(wait_log(work, r"reload \(file changed\) refused.*"
                           r"wiremask\.cfg:4: ", 1, timeout=5),
                  "..data swap %d: invalid config refused with FILE:LINE" % n)
        time.sleep(1.5)
    text = log_text(work)
    check(len(re.findall(r"reload \(file changed\) refused", text)) == 1,
          "the invalid file refused once, not every second")
    rc = stop(proc)
    check(rc == 0, "exit status 0 (got %d)" % rc)
    st = check_no_loss(work)
    check(st["config.reload_ok"] == 2 and st["config.reload_failed"] == 1,
          "counters: reload_ok %d, reload_failed %d" %
          (st["config.reload_ok"], st["config.reload_failed"]))


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    cases = {"sighup": case_sighup, "configmap": case_configmap}
    if mode not in cases:
        print(__doc__)
        return 2
    with tempfile.TemporaryDirectory(prefix="wm-reload-") as work:
        cases[mode](work, "wmreload%s%d" % (mode, os.getpid()))
        if failures:
            print(log_text(work)[-4000:])
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
