#!/usr/bin/python3
"""Plot wiremask-bench results (results.jsonl from scripts/bench.sh --sweep).

usage: bench_plot.py RESULTS.jsonl OUTDIR

Writes OUTDIR/throughput-vs-size.png (full path and matching ceiling in
Gbit/s of TCP payload, and Mpps, per packet-size mix and policy) and
OUTDIR/throughput-vs-flows.png (full path vs concurrent flows), with
gnuplot, and prints a Markdown table of every point.
"""
import json
import os
import subprocess
import sys


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def policy(r):
    return os.path.basename(r["config"]).replace(".cfg", "")


def table(rows):
    print("| point | policy | workers | full Gbit/s | full Mpps | hs ceiling Gbit/s "
          "| ratio_hs | io ceiling Mpps | ratio_io | cycles/pkt | flows "
          "| state B/flow | scaling |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        one = r["runs"][0]
        for run in r["runs"]:
            scal = ""
            if run is not one and one["workers"] == 1 and one["full_mpps"] > 0:
                scal = "%.2fx" % (run["full_mpps"] / one["full_mpps"])
            print("| %s | %s | %d | %.3f | %.3f | %.3f | %.3f | %.2f | %.4f | %.0f "
                  "| %d | %.0f | %s |" % (
                      r["label"], policy(r), run["workers"], run["full_gbps"],
                      run["full_mpps"], run["hs_ceiling_gbps"], run["ratio_hs"],
                      run["io_ceiling_mpps"], run["ratio_io"],
                      run["cycles_per_pkt"], run["flows"],
                      run["state_bytes_per_flow"], scal))


def gnuplot(script):
    subprocess.run(["gnuplot"], input=script.encode(), check=True)


def plot_sizes(rows, outdir):
    pts = [r for r in rows if r["label"].startswith("size=")]
    if not pts:
        return
    data = os.path.join(outdir, "size.dat")
    with open(data, "w") as f:
        f.write("# point full_gbps hs_gbps full_mpps (last worker count)\n")
        for r in pts:
            size = r["label"].split()[0].split("=")[1]
            f.write('"%s\\n%s" %.4f %.4f %.4f\n' % (
                size, policy(r), r["full_gbps"], r["hs_ceiling_gbps"],
                r["full_mpps"]))
    png = os.path.join(outdir, "throughput-vs-size.png")
    gnuplot("""
set terminal png size 900,500
set output '%s'
set title 'wiremask-bench: throughput vs packet size (%d workers)'
set style data histograms
set style fill solid 0.8 border -1
set ylabel 'Gbit/s of TCP payload'
set y2label 'Mpps'
set y2tics
set ytics nomirror
set bmargin 5
set key top center
plot '%s' using 2:xtic(1) title 'full path Gbit/s', \\
     '' using 3 title 'hs ceiling Gbit/s', \\
     '' using 0:4 axes x1y2 with linespoints lw 2 title 'full path Mpps'
""" % (png, pts[-1]["workers"], data))
    print("plot: %s" % png)


def plot_flows(rows, outdir):
    pts = [r for r in rows if r["label"].startswith("flows=")
           and policy(r) == "default"]
    if len(pts) < 2:
        return
    data = os.path.join(outdir, "flows.dat")
    with open(data, "w") as f:
        f.write("# flows full_gbps hs_gbps state_bytes\n")
        def concurrent(r):
            return int(r["label"].split()[0].split("=")[1])
        for r in sorted(pts, key=concurrent):
            f.write("%d %.4f %.4f %.1f\n" % (concurrent(r), r["full_gbps"],
                                             r["hs_ceiling_gbps"],
                                             r["state_bytes_per_flow"]))
    png = os.path.join(outdir, "throughput-vs-flows.png")
    gnuplot("""
set terminal png size 900,500
set output '%s'
set title 'wiremask-bench: IMIX throughput vs concurrent flows (%d workers)'
set logscale x
set xlabel 'concurrent flows'
set ylabel 'Gbit/s of TCP payload'
set y2label 'bytes of state per flow'
set y2tics
set ytics nomirror
set key top right
plot '%s' using 1:2 with linespoints lw 2 title 'full path', \\
     '' using 1:3 with linespoints lw 2 title 'hs ceiling', \\
     '' using 1:4 axes x1y2 with linespoints dt 2 title 'state per flow (B)'
""" % (png, pts[-1]["workers"], data))
    print("plot: %s" % png)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rows = load(sys.argv[1])
    table(rows)
    plot_sizes(rows, sys.argv[2])
    plot_flows(rows, sys.argv[2])


if __name__ == "__main__":
    main()
