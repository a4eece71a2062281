#!/usr/bin/env python3
"""Splits one cold-cache run of a command into the phases the disk sees, from /proc/diskstats
and /proc/stat sampled every 100 ms: time to the first write, the data phase (from the first
to the last 100 ms with writes over 100 MB/s), and the tail after it (the device flush: on a
VM's disk about a second of one request in flight and nothing moving), with the CPU the whole
machine spent (user, system). Used for issue 10 (create against iso): whole-run times swing
+-30% with the flush, the phases show which one moved.

Usage: bench/phases.py [--device vda] [--rounds N] [--before CMD] NAME=COMMAND [NAME=COMMAND ...]
  Runs the commands in turn (rotating the order each round), each on a cold cache (sync,
  drop_caches: needs root), and prints every run and then the median of each phase per name.
  COMMAND is run by the shell; --before CMD before each run, untimed (e.g. removing the last
  output: freeing gigabytes of extents takes most of a second). --device: the disk under the
  working directory by default.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def disk_device() -> str:
    source = subprocess.run(["findmnt", "-no", "SOURCE", "--target", "."], capture_output=True,
                            text=True, check=True).stdout.strip()
    parent = subprocess.run(["lsblk", "-no", "PKNAME", source], capture_output=True,
                            text=True).stdout.strip()
    return parent or os.path.basename(source)


def disk(device: str):
    for line in open("/proc/diskstats"):
        f = line.split()
        if f[2] == device:
            return int(f[5]) * 512, int(f[9]) * 512  # sectors read, written
    sys.exit(f"phases.py: no disk {device} in /proc/diskstats (use --device)")


def cpu_ticks():
    f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return f[0] + f[1], f[2]  # user (+nice), system


def run(device: str, command: str, before: str) -> dict:
    if before:
        subprocess.run(before, shell=True, check=True)
    subprocess.run("sync; echo 3 > /proc/sys/vm/drop_caches", shell=True, check=True)
    tick = os.sysconf("SC_CLK_TCK")
    start = time.time()
    proc = subprocess.Popen(command, shell=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    last_disk, first_cpu = disk(device), cpu_ticks()
    writing = []  # sample times with writes over 100 MB/s
    while proc.poll() is None:
        time.sleep(0.1)
        now_disk = disk(device)
        if (now_disk[1] - last_disk[1]) / 0.1 > 100e6:
            writing.append(time.time() - start)
        last_disk = now_disk
    total = time.time() - start
    cpu = [(b - a) / tick for a, b in zip(first_cpu, cpu_ticks())]
    if proc.returncode != 0:
        sys.exit(f"phases.py: `{command}` failed (exit {proc.returncode})")
    first = writing[0] - 0.1 if writing else total
    last = writing[-1] if writing else total
    return {"total": total, "first_write": first, "data": last - first, "tail": total - last,
            "user": cpu[0], "sys": cpu[1]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--before", default="")
    ap.add_argument("commands", nargs="+", metavar="NAME=COMMAND")
    args = ap.parse_args()
    device = args.device or disk_device()
    named = [c.split("=", 1) for c in args.commands]
    results = {name: [] for name, _ in named}
    for r in range(args.rounds):
        for k in range(len(named)):
            name, command = named[(k + r) % len(named)]
            p = run(device, command, args.before)
            results[name].append(p)
            print(name, " ".join(f"{key} {value:.2f}" for key, value in p.items()), flush=True)
    print(f"medians over {args.rounds} rounds (seconds; cpu: whole machine):")
    for name, runs in results.items():
        print(f"  {name}:", " ".join(f"{key} {statistics.median(r[key] for r in runs):.2f}"
                                    for key in runs[0]))


if __name__ == "__main__":
    main()
