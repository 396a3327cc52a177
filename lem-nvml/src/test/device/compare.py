"""Compares LEM's nvml readings (java.csv) with nvidia-smi (smi.csv) per phase; prints Markdown."""
import csv, sys, datetime, os
out = sys.argv[1]

def num(x):
    try:
        return float(x)
    except ValueError:
        return float("nan")

java = []
with open(os.path.join(out, "java.csv")) as f:
    for r in csv.DictReader(f):
        java.append((int(r["epoch_ms"]) / 1000.0, num(r["meter_energy_j"]), num(r["power_w"]), num(r["raw_counter_j"]),
                     r["throttle"], num(r["sm_clock_mhz"]), num(r["temperature_c"]), num(r.get("power_instant_w", "nan"))))
smi = []
with open(os.path.join(out, "smi.csv")) as f:
    rows = list(csv.reader(f))
head = [h.strip() for h in rows[0]]
for r in rows[1:]:
    if len(r) != len(head):
        continue
    d = dict(zip(head, [x.strip() for x in r]))
    try:
        ts = datetime.datetime.strptime(d["timestamp"], "%Y/%m/%d %H:%M:%S.%f").timestamp()
    except ValueError:
        continue
    energy = next((v for k, v in d.items() if "energy" in k), "nan")
    smi.append((ts, num(d.get("power.draw [W]", "nan")), num(energy), num(d.get("power.draw.instant [W]", "nan"))))
marks = {}
for line in open(os.path.join(out, "load.log")):
    p = line.split()
    if p and p[0] in ("START", "STOP"):
        marks[p[0]] = int(p[1]) / 1000.0

def interp(series, t, col):
    for (t0, *a), (t1, *b) in zip(series, series[1:]):
        if t0 <= t <= t1:
            v0, v1 = a[col], b[col]
            return v0 + (v1 - v0) * (t - t0) / (t1 - t0) if t1 > t0 else v0
    return float("nan")

def trapezoid(series, col, lo, hi):
    pts = [(lo, interp(series, lo, col))] + [(s[0], s[1 + col]) for s in series if lo < s[0] < hi] + [(hi, interp(series, hi, col))]
    return sum((a[1] + b[1]) / 2 * (b[0] - a[0]) for a, b in zip(pts, pts[1:]))

t_first, t_last = java[0][0], java[-1][0]
phases = [("whole run", t_first, t_last)]
if "START" in marks and "STOP" in marks:
    phases += [("idle before load", t_first, marks["START"]), ("under load", marks["START"], marks["STOP"]),
               ("after load", marks["STOP"], t_last)]
print("## LEM nvml meter vs nvidia-smi\n")
print("nvidia-smi columns:", ", ".join(head), "\n")
print("| phase | s | LEM counter J | smi energy.consumption J | smi power.draw trapezoid J | smi power.draw.instant trapezoid J | LEM power_w trapezoid J | LEM power_instant_w trapezoid J |")
print("|---|---|---|---|---|---|---|---|")
for name, lo, hi in phases:
    lem = interp(java, hi, 0) - interp(java, lo, 0)
    smi_e = interp(smi, hi, 1) - interp(smi, lo, 1)
    smi_p = trapezoid(smi, 0, lo, hi)
    smi_i = trapezoid(smi, 2, lo, hi)
    lem_p = trapezoid([(j[0], j[2]) for j in java], 0, lo, hi)
    lem_i = trapezoid([(j[0], j[7]) for j in java], 0, lo, hi)
    print(f"| {name} | {hi - lo:.2f} | {lem:.1f} | {smi_e:.1f} | {smi_p:.1f} | {smi_i:.1f} | {lem_p:.1f} | {lem_i:.1f} |")
print("\nLEM power_w trapezoid spans the 4 s change-period probe by a straight line; compare it outside the probe.")
if "START" in marks:
    st = marks["START"]
    plateau = sorted(j[2] for j in java if marks["START"] + 3 < j[0] < marks["STOP"] - 1)
    top = plateau[len(plateau) // 2] if plateau else float("nan")
    def rise(series, col):
        for s in series:
            if s[0] > st and s[1 + col] >= 0.9 * top:
                return s[0] - st
        return float("nan")
    cp = [(b[0], (b[1] - a[1]) / (b[0] - a[0])) for a, b in zip(java, java[1:]) if b[0] > a[0] and b[0] - a[0] < 0.3]
    print(f"\nload step: median power under load {top:.0f} W; time to 90 % after START: LEM power_w {rise([(j[0], j[2]) for j in java], 0):.2f} s, "
          f"LEM power_instant_w {rise([(j[0], j[7]) for j in java], 0):.2f} s, counter-derived power {rise(cp, 0):.2f} s, smi power.draw {rise(smi, 0):.2f} s, smi power.draw.instant {rise(smi, 2):.2f} s")
thr = {}
for j in java:
    for r in filter(None, j[4].split("|")):
        thr[r] = thr.get(r, 0) + 1
print(f"\nthrottle reasons seen (samples of {len(java)}): {thr or 'none'}")
print(f"max temperature {max(j[6] for j in java):.0f} C; SM clock range {min(j[5] for j in java):.0f}-{max(j[5] for j in java):.0f} MHz")
