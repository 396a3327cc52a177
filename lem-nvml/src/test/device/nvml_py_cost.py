"""Cost of NVML reads through pynvml (ctypes), to tell NVML's own cost from JNA's."""
import time
import pynvml as n
n.nvmlInit()
h = n.nvmlDeviceGetHandleByIndex(0)

def cost(name, f, seconds=2.0, max_n=20000):
    f()
    ts, end = [], time.perf_counter() + seconds
    while len(ts) < max_n and (len(ts) < 50 or time.perf_counter() < end):
        t0 = time.perf_counter_ns(); f(); ts.append(time.perf_counter_ns() - t0)
    ts.sort()
    print(f"{name:48s} n={len(ts):6d} mean={sum(ts)/len(ts)/1e3:9.1f}us p50={ts[len(ts)//2]/1e3:9.1f}us p99={ts[int(len(ts)*.99)]/1e3:9.1f}us")

cost("pynvml nvmlDeviceGetTotalEnergyConsumption", lambda: n.nvmlDeviceGetTotalEnergyConsumption(h))
cost("pynvml nvmlDeviceGetPowerUsage", lambda: n.nvmlDeviceGetPowerUsage(h))
for name, default in [("NVML_FI_DEV_TOTAL_ENERGY_CONSUMPTION", 83), ("NVML_FI_DEV_POWER_INSTANT", 186),
                      ("NVML_FI_DEV_POWER_AVERAGE", 185)]:
    fid = getattr(n, name, default)
    try:
        cost(f"pynvml FieldValues {name[12:]} ({fid})", lambda: n.nvmlDeviceGetFieldValues(h, [fid]))
        for _ in range(3):
            v = n.nvmlDeviceGetFieldValues(h, [fid])[0]
            val = {0: v.value.dVal, 1: v.value.uiVal, 2: v.value.ulVal, 3: v.value.ullVal, 4: v.value.sllVal}.get(v.valueType)
            print(f"   ret={v.nvmlReturn} type={v.valueType} value={val} timestamp_us={v.timestamp} latency_us={v.latencyUsec}")
            time.sleep(0.05)
    except Exception as e:
        print(name, "failed:", e)
e0 = n.nvmlDeviceGetTotalEnergyConsumption(h)
print("counter mJ now", e0, "power mW", n.nvmlDeviceGetPowerUsage(h))
n.nvmlShutdown()
