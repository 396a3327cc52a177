"""bf16 matmul load on cuda:0 from epoch second argv[1] for argv[2] seconds; logs START/STOP epoch ms."""
import sys, time
import torch
start_at, duration = float(sys.argv[1]), float(sys.argv[2])
a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
b = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
c = a @ b
torch.cuda.synchronize()
print("READY", int(time.time() * 1000), flush=True)
while time.time() < start_at:
    time.sleep(0.005)
print("START", int(time.time() * 1000), flush=True)
n = 0
t0 = time.time()
while time.time() < start_at + duration:
    for _ in range(16):
        c = a @ b
    torch.cuda.synchronize()
    n += 16
dt = time.time() - t0
print("STOP", int(time.time() * 1000), n, "matmuls", round(n * 2 * 8192**3 / dt / 1e12, 1), "TFLOP/s", flush=True)
