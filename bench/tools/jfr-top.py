#!/usr/bin/env python3
"""Summarises CPU samples of a JFR recording: CPU split by thread group, top self frames, and
inclusive share of a few subsystems. Usage: jfr-top.py recording.jfr [top-n] [thread-name-regex]"""
import collections, re, subprocess, sys

path = sys.argv[1]
top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
only = re.compile(sys.argv[3]) if len(sys.argv) > 3 else None
text = subprocess.run(["jfr", "print", "--events", "jdk.ExecutionSample", "--stack-depth", "64", path],
                      capture_output=True, text=True, check=True).stdout
threads, selfs, incl = collections.Counter(), collections.Counter(), collections.Counter()
groups = {
    "zstd compression": r"zstd|Zstd",
    "jackson": r"com\.fasterxml\.jackson",
    "jetty/javalin http": r"org\.eclipse\.jetty|io\.javalin",
    "kafka producer (client)": r"org\.apache\.kafka\.clients\.producer",
    "kafka consumer (client)": r"org\.apache\.kafka\.clients\.consumer",
    "kafka broker (kafka.*, storage, raft)": r"^kafka\.|org\.apache\.kafka\.storage|org\.apache\.kafka\.raft|org\.apache\.kafka\.server",
    "kafka streams": r"org\.apache\.kafka\.streams",
    "rocksdb": r"rocksdb|RocksDB",
    "crc32c / checksums": r"Crc32|CRC32",
    "socket io (nio)": r"sun\.nio\.ch|SocketChannel|EPoll",
    "logging": r"ch\.qos\.logback|org\.slf4j",
    "fulfillment worker": r"dev\.history\.fulfillment",
    "jdk http client": r"jdk\.internal\.net\.http",
}
n = 0
for block in text.split("jdk.ExecutionSample")[1:]:
    m = re.search(r'sampledThread = "([^"]*)"', block)
    frames = re.findall(r"^\s+([\w$.<>/]+)\(", block.split("stackTrace = [", 1)[-1], re.M)
    if not frames:
        continue
    n += 1
    name = re.sub(r"[-_ ]?\d+", "", m.group(1)) if m else "?"
    if only and not only.search(m.group(1) if m else ""):
        continue
    threads[name] += 1
    selfs[frames[0]] += 1
    seen = set()
    for g, rx in groups.items():
        if any(re.search(rx, f) for f in frames) and g not in seen:
            incl[g] += 1
    for f in frames[:40]:
        if f.startswith("dev.history") and f not in seen:
            incl["  " + f] += 1
            seen.add(f)
            seen.add(g)
print(f"{n} CPU samples")
print("\n== by thread (share of samples)")
for k, v in threads.most_common(15):
    print(f"{100*v/n:5.1f}%  {k}")
print("\n== inclusive, by subsystem")
for k, v in incl.most_common():
    print(f"{100*v/n:5.1f}%  {k}")
print(f"\n== top {top} self frames")
for k, v in selfs.most_common(top):
    print(f"{100*v/n:5.1f}%  {k}")
