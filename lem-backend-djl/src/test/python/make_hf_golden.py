"""Makes the Hugging Face golden fixtures of HuggingFaceGoldenTest (run once, results committed).

Builds tiny random models with transformers itself, saves them with save_pretrained (safetensors),
and records what transformers computes in float64: the logits of a fixed token sequence and greedy
continuations of a left-padded batch. The djl backend must reproduce them.

    python3 make_hf_golden.py OUTDIR
"""
import json
import os
import sys

import torch
import transformers
from transformers import (GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM, MistralConfig,
                          MistralForCausalLM, Qwen2Config, Qwen2ForCausalLM)

OUT = sys.argv[1]
SEQ = [(i * 7 + 3) % 40 for i in range(60)]
PROMPTS = [[0, 3, 5, 4, 8, 3, 9], [0, 34], [0, 4, 17, 14, 6, 11, 12, 3, 13, 9, 8, 10, 22]]
GPT2_PROMPTS = [p[1:] for p in PROMPTS]
NEW = 10
COMMON = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, vocab_size=48,
              max_position_embeddings=128, bos_token_id=0, eos_token_id=1, pad_token_id=2)


def init(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name or ".ln_" in name:
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g) if name.endswith("weight")
                        else 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.25 * torch.randn(p.shape, generator=g))


def classic_rope_keys(folder, cfg):
    """transformers 5 writes rope_parameters; checkpoints on the Hub use rope_theta/rope_scaling. Write both."""
    path = os.path.join(folder, "config.json")
    c = json.load(open(path))
    rp = c.get("rope_parameters")
    if isinstance(rp, dict):
        c.setdefault("rope_theta", rp.get("rope_theta"))
        if rp.get("rope_type", "default") != "default":
            c["rope_scaling"] = {k: v for k, v in rp.items() if k != "rope_theta"}
    json.dump(c, open(path, "w"), indent=1)


def make(name, model, prompts, dtype=torch.float32, seed=1):
    init(model, seed)
    folder = os.path.join(OUT, name)
    model.to(dtype).save_pretrained(folder, safe_serialization=True)
    classic_rope_keys(folder, model.config)
    # load as a user would (from_pretrained), in float64: casting the model object instead would also
    # round non-persistent buffers such as RoPE's inv_freq to the checkpoint dtype
    ref = transformers.AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float64).eval()
    ref.generation_config.eos_token_id = None
    with torch.no_grad():
        logits = ref(torch.tensor([SEQ])).logits[0]
        width = max(len(p) for p in prompts)
        ids = torch.tensor([[2] * (width - len(p)) + p for p in prompts])
        mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts])
        out = ref.generate(input_ids=ids, attention_mask=mask, max_new_tokens=NEW, do_sample=False, pad_token_id=2)
        single = [ref.generate(input_ids=torch.tensor([p]), max_new_tokens=NEW, do_sample=False,
                               pad_token_id=2)[0, len(p):].tolist()
                  for p in prompts]
    golden = {"transformers": transformers.__version__, "torch": torch.__version__, "sequence": SEQ,
              "logits": logits.tolist(), "prompts": prompts,
              "batched_greedy": out[:, width:].tolist(), "single_greedy": single}
    json.dump(golden, open(os.path.join(folder, "golden.json"), "w"))
    print(name, "batched == single:", golden["batched_greedy"] == single)


make("llama", LlamaForCausalLM(LlamaConfig(**COMMON, num_key_value_heads=2, intermediate_size=48,
                                           tie_word_embeddings=False, rms_norm_eps=1e-5)), PROMPTS, seed=11)
make("qwen2-bf16", Qwen2ForCausalLM(Qwen2Config(**COMMON, num_key_value_heads=1, intermediate_size=64,
                                                tie_word_embeddings=True, rope_theta=1e6, rms_norm_eps=1e-6)),
     PROMPTS, dtype=torch.bfloat16, seed=12)
make("llama3", LlamaForCausalLM(LlamaConfig(**COMMON, num_key_value_heads=2, intermediate_size=48, head_dim=8,
                                            tie_word_embeddings=True, rope_theta=10000.0,
                                            rope_scaling={"rope_type": "llama3", "factor": 8.0,
                                                          "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                                          "original_max_position_embeddings": 64})),
     PROMPTS, seed=13)
make("mistral", MistralForCausalLM(MistralConfig(**COMMON, num_key_value_heads=2, intermediate_size=48,
                                                 sliding_window=None)), PROMPTS, seed=14)
make("gpt2", GPT2LMHeadModel(GPT2Config(n_embd=32, n_layer=2, n_head=4, vocab_size=48, n_positions=128,
                                        bos_token_id=1, eos_token_id=1)), GPT2_PROMPTS, seed=15)
