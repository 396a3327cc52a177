"""Runs the djl backend's compiled-executor programs on another PyTorch, CPU and CUDA, fp32 and fp16.

Input: the folders ProgramExport wrote (program.pt, weights.bin, tables.bin, case.json). For each
model, loads the archive with torch.jit.load (the same bytes LEM hands to libtorch through DJL), runs a
left-padded prefill and one decode step, and compares the logits with those LEM's eager executor
computed on the development CPU. Prints one line per model, device and dtype, and writes results.json.

    python3 check_program.py EXPORT_DIR OUT_JSON
"""
import json
import math
import pathlib
import sys

import numpy as np
import torch


def load(folder):
    case = json.loads((folder / "case.json").read_text())
    raw = np.fromfile(folder / "weights.bin", dtype="<f4")
    weights, at = [], 0
    for shape in case["weights"]:
        n = math.prod(shape)
        weights.append(torch.from_numpy(raw[at:at + n].reshape(shape).copy()))
        at += n
    assert at == raw.size, "weights.bin size does not match the shapes"
    tables = []
    if case["tables"]:
        raw = np.fromfile(folder / "tables.bin", dtype="<f4")
        at = 0
        for shape in case["tables"]:
            n = math.prod(shape)
            tables.append(torch.from_numpy(raw[at:at + n].reshape(shape).copy()))
            at += n
    return case, weights, tables


def run(folder, device, dtype):
    case, weights, tables = load(folder)
    module = torch.jit.load(str(folder / "program.pt"), map_location=device)
    b, t = case["batch"], case["tokens"]
    w = [x.to(device, dtype) for x in weights]
    tab = [x.to(device, dtype) for x in tables]
    kv, hd, cap = case["kv_heads"], case["head_dim"], t + 1
    keys = [torch.zeros(b, kv, hd, cap, device=device, dtype=dtype) for _ in range(case["layers"])]
    values = [torch.zeros(b, kv, cap, hd, device=device, dtype=dtype) for _ in range(case["layers"])]
    floor = -30000.0 if dtype == torch.float16 else case["mask_value"]

    def tensor(values, shape, kind):
        return torch.tensor(values, dtype=kind).reshape(shape).to(device)

    mask = tensor(case["mask"], (b, 1, 1, t, t), torch.float32).clamp(min=floor).to(dtype)
    next_mask = tensor(case["next_mask"], (b, 1, 1, t + 1), torch.float32).clamp(min=floor).to(dtype)
    ids = tensor(case["ids"], (b, t), torch.long)
    positions = tensor(case["positions"], (b, t), torch.long)
    with torch.inference_mode():
        prefill = module(w, keys, values, ids, positions, tab, mask, True, 0, True, False)
        decode = module(w, keys, values, tensor(case["next_ids"], (b, 1), torch.long),
                        tensor(case["next_positions"], (b, 1), torch.long), tab, next_mask, True, t, False, False)
    expected_prefill = torch.tensor(case["eager_prefill_logits"]).reshape(prefill.shape)
    expected_decode = torch.tensor(case["eager_decode_logits"]).reshape(decode.shape)
    scale = float(expected_prefill.abs().max())
    diff = max(float((prefill.cpu() - expected_prefill).abs().max()), float((decode.cpu() - expected_decode).abs().max()))
    same_argmax = bool((decode.cpu().argmax(-1) == expected_decode.argmax(-1)).all())
    return {"model": case["model"], "folder": folder.name, "device": str(device), "dtype": str(dtype),
            "max_abs_difference": diff, "largest_logit": scale, "relative": diff / scale,
            "decode_argmax_equal": same_argmax, "torch": torch.__version__,
            "gpu": torch.cuda.get_device_name(0) if str(device).startswith("cuda") else None}


def main():
    root = pathlib.Path(sys.argv[1])
    results = []
    devices = [("cpu", torch.float32)]
    if torch.cuda.is_available():
        devices += [("cuda", torch.float32), ("cuda", torch.float16)]
    for folder in sorted(p for p in root.iterdir() if (p / "case.json").exists()):
        for device, dtype in devices:
            try:
                r = run(folder, torch.device(device), dtype)
            except Exception as e:  # report and go on: one failure must not hide the other results
                r = {"folder": folder.name, "device": device, "dtype": str(dtype), "error": repr(e)}
            results.append(r)
            print(json.dumps(r))
    pathlib.Path(sys.argv[2]).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
