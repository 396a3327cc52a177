import json,os,sys,torch,transformers as T
O=sys.argv[1];S=[(i*7+3)%40 for i in range(60)];P=[[0,3,5,4,8,3,9],[0,34],[0,4,17,14,6,11,12,3,13,9,8,10,22]]
C=dict(hidden_size=32,num_hidden_layers=2,num_attention_heads=4,vocab_size=48,max_position_embeddings=128,bos_token_id=0,eos_token_id=1,pad_token_id=2)
def mk(n,m,pr,dt=torch.float32,sd=1):
 g=torch.Generator().manual_seed(sd)
 with torch.no_grad():
  for k,p in m.named_parameters():
   r=torch.randn(p.shape,generator=g)
   p.copy_((1+0.1*r if k.endswith("weight") else 0.1*r) if("norm" in k or ".ln_" in k) else 0.25*r)
 f=os.path.join(O,n);m.to(dt).save_pretrained(f);q=os.path.join(f,"config.json");c=json.load(open(q));rp=c.get("rope_parameters")
 if isinstance(rp,dict):
  c.setdefault("rope_theta",rp.get("rope_theta"))
  if rp.get("rope_type","default")!="default":c["rope_scaling"]={a:b for a,b in rp.items() if a!="rope_theta"}
 json.dump(c,open(q,"w"),indent=1);m=T.AutoModelForCausalLM.from_pretrained(f,dtype=torch.float64).eval();m.generation_config.eos_token_id=None
 with torch.no_grad():
  L=m(torch.tensor([S])).logits[0];w=max(len(p) for p in pr)
  ids=torch.tensor([[2]*(w-len(p))+p for p in pr]);am=torch.tensor([[0]*(w-len(p))+[1]*len(p) for p in pr])
  o=m.generate(input_ids=ids,attention_mask=am,max_new_tokens=10,do_sample=False,pad_token_id=2)
  s=[m.generate(input_ids=torch.tensor([p]),max_new_tokens=10,do_sample=False,pad_token_id=2)[0,len(p):].tolist() for p in pr]
 json.dump({"transformers":T.__version__,"torch":torch.__version__,"sequence":S,"logits":L.tolist(),"prompts":pr,"batched_greedy":o[:,w:].tolist(),"single_greedy":s},open(os.path.join(f,"golden.json"),"w"))
 print(n,o[:,w:].tolist()==s)
mk("llama",T.LlamaForCausalLM(T.LlamaConfig(**C,num_key_value_heads=2,intermediate_size=48,tie_word_embeddings=False,rms_norm_eps=1e-5)),P,sd=11)
mk("qwen2-bf16",T.Qwen2ForCausalLM(T.Qwen2Config(**C,num_key_value_heads=1,intermediate_size=64,tie_word_embeddings=True,rope_theta=1e6,rms_norm_eps=1e-6)),P,torch.bfloat16,12)
mk("llama3",T.LlamaForCausalLM(T.LlamaConfig(**C,num_key_value_heads=2,intermediate_size=48,head_dim=8,tie_word_embeddings=True,rope_theta=1e4,rope_scaling={"rope_type":"llama3","factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,"original_max_position_embeddings":64})),P,sd=13)
mk("mistral",T.MistralForCausalLM(T.MistralConfig(**C,num_key_value_heads=2,intermediate_size=48,sliding_window=None)),P,sd=14)
mk("gpt2",T.GPT2LMHeadModel(T.GPT2Config(n_embd=32,n_layer=2,n_head=4,vocab_size=48,n_positions=128,bos_token_id=1,eos_token_id=1)),[p[1:] for p in P],sd=15)
