"""ddim_nb benchmarks: where the time goes, as ratios measured within one run.

    python bench/bench.py [--quick] [--out bench/results.json]
    python bench/bench.py --gpu [--compile]                       # the GPU rows alone, to bench/results_gpu.json
    python bench/bench.py --only op_shares                        # re-measure some items, updating them in the results file

Items (each with the hardware and versions in the results file):
1. U-Net forward and forward+backward images/s (shipped nano32 config at 32×32 in the default layout and channels-last,
   as the shipped models load on the CPU; cpu32, the same U-Net twice as wide; the reference ref64 at 64×64), float32
   and bf16 autocast; achieved FLOP/s (torch.utils.flop_counter) as a fraction of a large matrix product's FLOP/s
   in the same precision, measured in the same run.
2. Sampling images/s at S = 10 and 50 (and beside it, timed alternately, the network in the default memory format it
   used before loading channels-last became the default on the CPU); `decode` of 256 latents with its default settings
   now (channels-last, 64 at a time on the CPU) and before (default format, 256 at a time), for both shipped models;
   sampler overhead = sampling time / (S × one network call); the same loop driven
   by diffusers' DDIMScheduler (an outside baseline) where diffusers is installed.
3. Training steps/s and images/s per recipe; the data pipeline (`training_batch`) alone, and its ratio to training.
4. Inversion: seconds per image and network calls per method (03's `compare`); peak memory (resident set) of
   `invert_optimize` versus S, with and without gradient checkpointing, each in a fresh process.
5. Pair generation (05): pairs/s, float32 and bf16.
6. Each fast path beside its plain baseline in the same run: fused attention vs explicit attention, channels-last vs
   the default memory format, bf16 autocast vs float32 (and the PSNR of bf16 decoding against float32 decoding),
   `torch.inference_mode` vs `torch.no_grad` for sampling; `--compile` adds `torch.compile` vs eager (minutes).
7. Where a U-Net forward's time goes (nano32, batch 64, channels-last, float32 and bf16): the profiler's self time per kind
   of operator (convolutions, group norm, SiLU, attention, element-wise and copies), and the FLOP/s of the convolutions
   alone as a fraction of the matrix product's, beside the whole forward's.
The large matrix product that FLOP/s are judged against is the faster of `torch.matmul` (MKL/OpenBLAS) and the same
2048 × 2048 × 2048 product run as a 1 × 1 convolution (oneDNN, the library the U-Net's convolutions use).
GPU rows (`--gpu`, needs CUDA): an 8192³ matrix product in TF32 and bf16 (the peaks), the U-Net forward and
forward+backward (nano32 at batch 64 and 1024, ref64 at batch 64; both layouts, float32 and bf16), the reference recipe's
ref64 training step at batch 64 in float32 (TF32), bf16 and bf16 channels-last (`--compile`: also compiled) with its FLOP/s
fraction and the projected time of the reference's 72 000 steps, the CPU recipe's step at batch 64 and 256, and sampling
avatars32 at S = 50 with batch 1024 and 4096. The committed bench/results_gpu.json is a run on one H100.
On a CPU without native bfloat16 (AVX2 only: `bf16_supported('cpu')` is False) the bf16 rows are left out and the results
say so (`bf16`); `--out bench/results_avx2.json` keeps such a machine's record beside the AVX-512 one.
Times are medians of several repetitions; the machines are shared, so compare ratios within one run."""
import argparse, copy, dataclasses, json, statistics, subprocess, sys, time, platform
from pathlib import Path
import torch

from ddim_nb.ddim import DDIM, decode, randn_latents, step_pairs, ddim_step
from ddim_nb.device import autocast_dtype, bf16_supported, hardware
from ddim_nb.pretrained import load
from ddim_nb.unet import build_unet
from ddim_nb.train import RECIPES, TrainConfig, build_network, train_step, training_batch, lr_at
from ddim_nb.data import avatars
from ddim_nb.inversion import compare
from ddim_nb.pairs import generate_pairs

def median_time(fn, reps:int=5, warmup:int=1) -> float:
    for _ in range(warmup): fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return statistics.median(ts)

def paired_times(fast, plain, reps:int=5, warmup:int=1) -> tuple:
    "Median seconds of `fast` and of `plain`, timed alternately so that the machine's drift hits both alike."
    for _ in range(warmup): fast(); plain()
    tf, tp = [], []
    for _ in range(reps):
        for f, ts in ((fast, tf), (plain, tp)):
            t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
    return statistics.median(tf), statistics.median(tp)

BF16 = bf16_supported('cpu')   # a CPU without native bfloat16 (e.g. AVX2 only) would emulate it: its bf16 rows are skipped and marked unmeasured
PRECS = (('fp32', None), ('bf16', torch.bfloat16)) if BF16 else (('fp32', None),)

def autocast(dtype, device_type:str='cpu'): return torch.autocast(device_type, dtype=dtype or torch.float32, enabled=dtype is not None)

def matmul_flops(dtype, n:int=2048, reps:int=5) -> dict:
    "FLOP/s of an n³ matrix product by torch.matmul and by a 1×1 convolution (oneDNN), in `dtype` (None: float32)."
    a, b = torch.randn(n, n), torch.randn(n, n)
    x, w = torch.randn(1, n, 32, n // 32), torch.randn(n, n, 1, 1)          # (n pixels × n channels) @ (n × n)
    if dtype is not None: a, b, x, w = a.to(dtype), b.to(dtype), x.to(dtype), w.to(dtype)
    with torch.no_grad():
        mm = 2 * n ** 3 / median_time(lambda: a @ b, reps)
        conv = 2 * n ** 3 / median_time(lambda: torch.nn.functional.conv2d(x, w), reps)
    return dict(matmul=mm, conv1x1=conv, peak=max(mm, conv))

def count_flops(fn) -> int:
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as fc: fn()
    return fc.get_total_flops()

def unet_rows(quick:bool, peak:dict, device:str='cpu', cases:list|None=None, timer=median_time, reps:int|None=None) -> list:
    "Forward and forward+backward images/s and FLOP fractions for each (config, shape, batch, memory format) in `cases` (default: the CPU's)."
    rows, dev = [], torch.device(device)
    cases = cases or [('nano32', (3, 32, 32), 64, 'default'), ('nano32', (3, 32, 32), 64, 'channels-last'),
                      ('cpu32', (3, 32, 32), 64, 'channels-last'), ('ref64', (3, 64, 64), 2 if quick else 8, 'default')]
    reps = reps or (2 if quick else 4)
    for config, shape, bs, fmt in cases:
        net = build_unet(config, shape).to(dev).eval()                      # the shipped models load channels-last on the CPU
        if fmt == 'channels-last': net.to(memory_format=torch.channels_last)
        x, t = torch.randn(bs, *shape, device=dev), torch.randint(0, 1000, (bs,), device=dev)
        for prec, dt in (PRECS if dev.type == 'cpu' else (('fp32', None), ('bf16', torch.bfloat16))):
            def fwd():
                with torch.no_grad(), autocast(dt, dev.type): net(x, t)
            def fwd_bwd():
                net.zero_grad(set_to_none=True)
                with autocast(dt, dev.type): out = net(x, t)
                out.float().square().mean().backward()
            f_fwd = count_flops(fwd); f_fb = count_flops(fwd_bwd)
            s_fwd, s_fb = timer(fwd, reps), timer(fwd_bwd, reps)
            rows.append(dict(config=config, shape=list(shape), batch=bs, precision=prec, memory_format=fmt,
                             fwd_images_per_s=bs / s_fwd, fwd_bwd_images_per_s=bs / s_fb,
                             fwd_flops_per_s=f_fwd / s_fwd, fwd_fraction_of_matmul=f_fwd / s_fwd / peak[prec],
                             fwd_bwd_flops_per_s=f_fb / s_fb, fwd_bwd_fraction_of_matmul=f_fb / s_fb / peak[prec]))
            print(f"  {config} batch {bs} {prec} {fmt}: forward {bs / s_fwd:9.1f} img/s ({f_fwd / s_fwd / peak[prec]:.1%} of matmul), "
                  f"forward+backward {bs / s_fb:9.1f} img/s ({f_fb / s_fb / peak[prec]:.1%})", flush=True)
    return rows

def diffusers_sample(ddim:DDIM, z, steps:int):
    "The same η = 0 sampling loop run by diffusers' DDIMScheduler over the same ε-network (an outside baseline)."
    from diffusers import DDIMScheduler
    sch = DDIMScheduler(num_train_timesteps=ddim.T, trained_betas=(1 - ddim.abar / torch.cat([torch.ones(1, dtype=ddim.abar.dtype), ddim.abar[:-1]])).numpy(),
                        clip_sample=False, set_alpha_to_one=True, timestep_spacing='leading', steps_offset=0)
    sch.set_timesteps(steps)
    x = z
    with torch.no_grad():
        for t in sch.timesteps: x = sch.step(ddim.eps(x, int(t)), t, x, eta=0.).prev_sample
    return x

def sampling_rows(quick:bool) -> list:
    ddim = load('avatars32', device='cpu')
    bs, rows = 64, []
    z = randn_latents(bs, ddim.shape, seed=0)
    with torch.no_grad(): one_call = median_time(lambda: ddim.eps(z, 500), 5)
    std = _in_format(ddim, torch.contiguous_format)                        # the network as it ran before channels-last
    for S in ((10,) if quick else (10, 50)):
        s, s_std = paired_times(lambda: decode(ddim, z, S, batch_size=bs), lambda: decode(std, z, S, batch_size=bs), 3)
        s16 = median_time(lambda: decode(ddim, z, S, batch_size=bs, precision='bf16'), 3) if BF16 else None
        r = dict(model='avatars32', batch=bs, S=S, images_per_s=bs / s, images_per_s_default_format=bs / s_std, speedup_over_default_format=s_std / s,
                 images_per_s_bf16=bs / s16 if s16 else None, sampler_overhead=s / (S * one_call))
        try:
            ref = decode(ddim, z, S, batch_size=bs)
            sd = median_time(lambda: diffusers_sample(ddim, z, S), 3)
            r.update(diffusers_images_per_s=bs / sd, ours_over_diffusers=sd / s,
                     diffusers_max_abs_diff=(diffusers_sample(ddim, z, S) - ref).abs().max().item())
        except ImportError: r.update(diffusers_images_per_s=None)
        rows.append(r)
        print(f"  S={S}: {bs / s:.1f} img/s fp32 ({s_std / s:.2f}× the default format's {bs / s_std:.1f}), {f'{bs / s16:.1f}' if s16 else 'no'} bf16; overhead {r['sampler_overhead']:.3f}; "
              f"diffusers {r.get('diffusers_images_per_s') or 0:.1f} img/s (ours {r.get('ours_over_diffusers') or 0:.2f}×)", flush=True)
    for name in ('avatars32', 'fashion32'):                                 # what a caller of `decode` gets without choosing anything
        r = json.loads(subprocess.run([sys.executable, '-c', _DEFAULTS, name], capture_output=True, text=True, check=True).stdout.splitlines()[-1])
        rows.append(dict(model=name, S=20, latents=256, defaults='now: channels-last, batch 64 on the CPU; before: default format, batch 256',
                         process='fresh', **r))
        print(f"  {name}, decode 256 latents at S=20 with default settings, in a fresh process: {r['images_per_s']:.1f} img/s now, "
              f"{r['images_per_s_before']:.1f} before: {r['speedup_over_before']:.2f}× (max |Δ| {r['max_abs_diff']:.1e})", flush=True)
    return rows

_DEFAULTS = '''
import copy, json, sys, time, statistics, torch
from ddim_nb.pretrained import load
from ddim_nb.ddim import decode, randn_latents
now = load(sys.argv[1], device='cpu'); before = copy.deepcopy(now)
(before.model.net if hasattr(before.model, 'net') else before.model).to(memory_format=torch.contiguous_format)
z = randn_latents(256, now.shape, seed=0)
runs = {'now': lambda: decode(now, z, 20), 'before': lambda: decode(before, z, 20, batch_size=256)}
ts = {k: [] for k in runs}
for f in runs.values(): f()                                               # warm-up
for _ in range(3):
    for k, f in runs.items(): t0 = time.perf_counter(); f(); ts[k].append(time.perf_counter() - t0)
a, b = statistics.median(ts['now']), statistics.median(ts['before'])
print(json.dumps(dict(images_per_s=256 / a, images_per_s_before=256 / b, speedup_over_before=b / a,
                      max_abs_diff=(runs['now']() - runs['before']()).abs().max().item())))
'''

def training_rows(quick:bool) -> list:
    data, rows = avatars(2048, progress=False), []
    for recipe in RECIPES:
        cfg = TrainConfig(data='avatars', config='nano32', batch_size=64, **RECIPES[recipe])
        if cfg.objective == 'edm': cfg = dataclasses.replace(cfg, sigma_data=0.588)   # what `train` measures on the avatars
        unet, net, ddim = build_network(cfg, data.shape)
        opt = torch.optim.Adam(net.parameters(), lr=1e-4)
        amp = autocast_dtype('cpu', cfg.precision)                              # what `train` runs: 'auto' is float32 without native bf16
        batches = [training_batch(data, s, cfg.batch_size, cfg.seed, ddim.T, cfg.t_dist, ddim.abar, cfg.p_mean, cfg.p_std) for s in range(4)]
        it = iter(range(10 ** 9))
        def step():
            x0, t, eps = batches[next(it) % 4]
            train_step(net, ddim, opt, x0, t, eps, cfg.loss, cfg.grad_clip, amp_dtype=amp)
        s = median_time(step, 3 if quick else 6, warmup=2)
        sd = median_time(lambda: training_batch(data, 7, cfg.batch_size, cfg.seed, ddim.T, cfg.t_dist, ddim.abar, cfg.p_mean, cfg.p_std), 10)
        rows.append(dict(recipe=recipe, config='nano32', batch=64, precision='bf16' if amp else 'fp32', steps_per_s=1 / s, images_per_s=64 / s,
                         data_images_per_s=64 / sd, data_over_training=s / sd))
        print(f"  recipe {recipe}: {1 / s:.2f} steps/s ({64 / s:.0f} img/s); data pipeline {64 / sd:.0f} img/s = {s / sd:.0f}× training", flush=True)
    return rows

def inversion_rows(quick:bool) -> list:
    ddim = load('avatars32', device='cpu')
    x = avatars(4 if quick else 8, split='test', progress=False).images.float() / 127.5 - 1
    fast = [('ddim', 'ddim', {}), ('fixed_point K=2', 'fixed_point', dict(K=2)), ('edict', 'edict', {}), ('bdia', 'bdia', {})]
    rows = compare(ddim, x, fast, steps=(20,), progress=False)
    slow = [('optimize 50', 'optimize', dict(iters=50, lr=0.01, checkpointing=False)),
            ('hybrid ddim+20', 'hybrid', dict(init='ddim', iters=20, lr=0.01, checkpointing=False))]
    rows += compare(ddim, x[:2], slow, steps=(10,), progress=False)
    out = [dict(method=r['method'], S=r['S'], s_per_image=r['s_per_image'], nfe_invert=r['nfe_invert'], psnr=r['psnr']) for r in rows]
    for r in out: print(f"  {r['method']:16s} S={r['S']:3d}: {r['s_per_image']:.3f} s/img, {r['nfe_invert']} network calls, {r['psnr']:.1f} dB", flush=True)
    return out

def pair_rows(quick:bool) -> list:
    ddim, rows = load('avatars32', device='cpu'), []
    n = 256 if quick else 512
    for prec, _ in PRECS:
        t0 = time.perf_counter(); generate_pairs(ddim, n, steps=20, precision=prec, progress=False)
        s = time.perf_counter() - t0
        rows.append(dict(precision=prec, S=20, pairs=n, pairs_per_s=n / s))
        print(f"  pairs, {prec}: {n / s:.1f} pairs/s at S = 20", flush=True)
    return rows

_PEAK_RSS = '''
import sys, torch
from ddim_nb.pretrained import load
from ddim_nb.data import avatars
from ddim_nb.inversion import invert_optimize
S, ckpt = int(sys.argv[1]), sys.argv[2] == '1'
ddim = load('avatars32', device='cpu'); x = avatars(16, split='test', progress=False).images.float() / 127.5 - 1
invert_optimize(ddim, x, 2, iters=1, checkpointing=ckpt)                    # warm up at a tiny S
def kib(field): return int(next(l for l in open('/proc/self/status') if l.startswith(field)).split()[1])
open('/proc/self/clear_refs', 'w').write('5')                              # reset the peak (VmHWM) to the current resident set
before = kib('VmRSS:')
invert_optimize(ddim, x, S, iters=2, checkpointing=ckpt)
print((kib('VmHWM:') - before) / 1024)                                     # MiB above what the process held before
'''

def memory_rows(quick:bool) -> list:
    "Memory of `invert_optimize` on 16 avatars versus S: the bytes autograd holds for the backward pass (exact, `backprop_memory`) and the peak resident set it adds (2 Adam iterations, a fresh process each)."
    from ddim_nb.inversion import backprop_memory
    ddim, rows = load('avatars32', device='cpu'), []
    z = randn_latents(16, ddim.shape, seed=0)
    for ckpt in (True, False):
        for S in ((5, 20) if quick else (5, 10, 20, 50) if ckpt else (5, 10, 20)):
            r = subprocess.run([sys.executable, '-c', _PEAK_RSS, str(S), str(int(ckpt))], capture_output=True, text=True, check=True)
            rows.append(dict(S=S, checkpointing=ckpt, images=16, held_mib=backprop_memory(ddim, z, S, ckpt) / 2 ** 20, peak_rss_mib=float(r.stdout.split()[-1])))
            print(f"  optimize, S={S:3d}, checkpointing={ckpt!s:5s}: autograd holds {rows[-1]['held_mib']:6.1f} MiB; "
                  f"peak resident set +{rows[-1]['peak_rss_mib']:.0f} MiB", flush=True)
    return rows

def _in_format(ddim:DDIM, memory_format) -> DDIM:
    "A copy of `ddim` whose U-Net stores its weights in `memory_format`."
    d = copy.deepcopy(ddim)
    (d.model.net if hasattr(d.model, 'net') else d.model).to(memory_format=memory_format)
    return d

def fast_path_rows(quick:bool, compile:bool=False) -> list:
    "Every fast path beside the plain way, timed alternately in the same run on the shipped avatars32 network (batch 64)."
    import ddim_nb.unet as U
    from ddim_nb.metrics import psnr
    ddim = load('avatars32', device='cpu')                                  # channels-last on the CPU: the default
    std = _in_format(ddim, torch.contiguous_format)
    net, bs, reps = ddim.model, 64, 3 if quick else 7
    x, t = torch.randn(bs, 3, 32, 32), torch.full((bs,), 500)
    def fwd(dt=None, ctx=torch.no_grad, model=net):
        def f():
            with ctx(), autocast(dt): model(x, t)
        return f
    rows = []
    def pair(path, fast, plain, **extra):
        s_fast, s_plain = paired_times(fast, plain, reps)
        rows.append(dict(path=path, fast_images_per_s=bs / s_fast, plain_images_per_s=bs / s_plain, speedup=s_plain / s_fast, **extra))
        print(f"  {path:48s} {bs / s_fast:8.1f} vs {bs / s_plain:8.1f} img/s: {s_plain / s_fast:.2f}×", flush=True)
    attn = U.attention
    def explicit():
        U.attention = U.attention_explicit
        try: fwd()()
        finally: U.attention = attn
    pair('fused attention (SDPA) vs explicit', fwd(), explicit)
    pair('channels-last vs default format (float32)', fwd(), fwd(model=std.model))
    if BF16:
        pair('channels-last vs default format (bf16)', fwd(torch.bfloat16), fwd(torch.bfloat16, model=std.model))
        pair('bf16 autocast vs float32 (forward)', fwd(torch.bfloat16), fwd())
    pair('inference_mode vs no_grad (forward)', fwd(ctx=torch.inference_mode), fwd())
    z = randn_latents(bs, ddim.shape, seed=0)
    g, g_std = (decode(d, z, 20, batch_size=bs) for d in (ddim, std))
    pair('decoding S = 20: channels-last vs default format', lambda: decode(ddim, z, 20, batch_size=bs), lambda: decode(std, z, 20, batch_size=bs),
         max_abs_diff=(g - g_std).abs().max().item(), psnr_min=psnr(g, g_std).min().item())
    if BF16:
        g16 = decode(ddim, z, 20, batch_size=bs, precision='bf16')
        pair('decoding S = 20: bf16 vs float32', lambda: decode(ddim, z, 20, batch_size=bs, precision='bf16'), lambda: decode(ddim, z, 20, batch_size=bs),
             psnr_bf16_vs_fp32_mean=psnr(g16, g).mean().item(), psnr_bf16_vs_fp32_min=psnr(g16, g).min().item())
    if compile:
        c = torch.compile(net); t0 = time.perf_counter()
        with torch.no_grad(): c(x, t)
        compile_s = time.perf_counter() - t0
        def comp():
            with torch.no_grad(): c(x, t)
        pair('torch.compile vs eager (forward)', comp, fwd(), compile_s=compile_s)
    return rows

def cuda_time(fn, reps:int=10, warmup:int=3) -> float:
    "Median seconds of one call of `fn` on the GPU, synchronised before and after each."
    for _ in range(warmup): fn()
    ts = []
    for _ in range(reps):
        torch.cuda.synchronize(); t0 = time.perf_counter(); fn(); torch.cuda.synchronize(); ts.append(time.perf_counter() - t0)
    return statistics.median(ts)

def gpu_rows(quick:bool, compile:bool=False, save=lambda out: None) -> dict:
    """The GPU rows: a large matrix product's FLOP/s (the peak), U-Net throughput, the reference 64×64 training step
    (fp32, bf16, bf16 channels-last, optionally compiled) with its projection to the reference's 72 000 iterations,
    the CPU recipe's step at batch 64 and 256, and sampling the shipped avatars32; `save(rows so far)` is called after each part."""
    dev, n, reps = torch.device('cuda'), 8192, 3 if quick else 10
    torch.backends.cuda.matmul.allow_tf32 = True      # float32 convolutions already run on TF32 tensor cores (cuDNN's default)
    peak = {}
    for prec, dt in (('fp32', torch.float32), ('bf16', torch.bfloat16)):
        a, b = torch.randn(n, n, device=dev, dtype=dt), torch.randn(n, n, device=dev, dtype=dt)
        peak[prec] = 2 * n ** 3 / cuda_time(lambda: a @ b, reps); del a, b
    print(f"  {torch.cuda.get_device_name()}: {n}³ product {peak['fp32'] / 1e12:.0f} TFLOP/s (TF32), {peak['bf16'] / 1e12:.0f} TFLOP/s (bf16)", flush=True)
    out = dict(device=torch.cuda.get_device_name(), cuda=torch.version.cuda, matmul_flops_per_s=peak, training=[], sampling=[])
    out['unet'] = unet_rows(quick, peak, 'cuda', [(c, shape, bs, fmt) for c, shape, bs in [('nano32', (3, 32, 32), 64), ('nano32', (3, 32, 32), 1024),
                                                                                           ('ref64', (3, 64, 64), 64)]
                                                  for fmt in ('default', 'channels-last')], cuda_time, reps)
    save(out)
    def train_row(recipe, config, shape, bs, precision, fmt='default', compiled=False):
        cfg = dataclasses.replace(TrainConfig(data='avatars', config=config, batch_size=bs, **RECIPES[recipe]), precision=precision)
        if cfg.objective == 'edm': cfg = dataclasses.replace(cfg, sigma_data=0.5)
        unet, net, ddim = build_network(cfg, shape, dev)
        if fmt == 'channels-last': unet.to(memory_format=torch.channels_last)
        if compiled: unet.forward = torch.compile(unet.forward)
        opt, dt = torch.optim.Adam(net.parameters(), lr=1e-4), (torch.bfloat16 if precision == 'bf16' else None)
        x0 = torch.rand(bs, *shape, device=dev) * 2 - 1
        t, eps = torch.randint(0, ddim.T, (bs,), device=dev), torch.randn(bs, *shape, device=dev)
        step = lambda: train_step(net, ddim, opt, x0, t, eps, cfg.loss, cfg.grad_clip, amp_dtype=dt)
        t0 = time.perf_counter(); step(); torch.cuda.synchronize(); first = time.perf_counter() - t0   # includes compilation
        flops = count_flops(step) if not compiled else None
        s = cuda_time(step, reps * 3)
        r = dict(recipe=recipe, config=config, batch=bs, precision=precision, memory_format=fmt, compiled=compiled, steps_per_s=1 / s,
                 images_per_s=bs / s, first_step_s=first, hours_for_72000_steps=72000 * s / 3600)
        if flops is None: flops = next((q['flops_per_step'] for q in out['training'] if q['config'] == config and q['batch'] == bs and q['precision'] == precision), None)
        if flops: r.update(flops_per_step=flops, fraction_of_matmul=flops / s / peak['bf16' if precision == 'bf16' else 'fp32'])
        out['training'].append(r)
        print(f"  train {recipe} {config} batch {bs} {precision} {fmt}{' compiled' if compiled else ''}: {1 / s:7.1f} steps/s, "
              f"{r.get('fraction_of_matmul', float('nan')):.1%} of matmul; 72 000 steps in {r['hours_for_72000_steps']:.2f} h", flush=True)
    for args in [('reference', 'ref64', (3, 64, 64), 64, 'fp32'), ('reference', 'ref64', (3, 64, 64), 64, 'bf16'),
                 ('reference', 'ref64', (3, 64, 64), 64, 'bf16', 'channels-last'),
                 ('cpu', 'nano32', (3, 32, 32), 64, 'bf16'), ('cpu', 'nano32', (3, 32, 32), 256, 'bf16')]:
        train_row(*args)
    save(out)
    ddim = load('avatars32', device=dev)
    for bs in (1024, 4096):
        z = randn_latents(bs, ddim.shape, seed=0).to(dev)
        with torch.no_grad(): one = cuda_time(lambda: ddim.eps(z, 500), reps)
        for prec in ('fp32', 'bf16'):
            s = cuda_time(lambda: decode(ddim, z, 50, batch_size=bs, precision=prec, progress=False), 3, 1)
            out['sampling'].append(dict(model='avatars32', batch=bs, S=50, precision=prec, images_per_s=bs / s, sampler_overhead=s / (50 * one) if prec == 'fp32' else None))
            print(f"  sample avatars32 batch {bs} S=50 {prec}: {bs / s:9.0f} img/s" + (f", overhead {s / (50 * one):.3f}" if prec == 'fp32' else ''), flush=True)
    save(out)
    if compile:                                       # last: compilation takes minutes
        try: train_row('reference', 'ref64', (3, 64, 64), 64, 'bf16', 'channels-last', compiled=True)
        except Exception as e: out['training'].append(dict(config='ref64', compiled=True, error=repr(e)[:300])); print('  compile failed:', repr(e)[:300])
        save(out)
    return out

OP_KINDS = {'convolution': ('convolution',), 'group norm': ('group_norm',), 'SiLU': ('silu',),
            'attention': ('attention', 'bmm', 'softmax', 'baddbmm'), 'element-wise and copies': ('add', 'mul', 'sub', 'div', 'cat', 'copy', 'to_copy', 'upsample', 'clone')}

def op_share_rows(quick:bool, peak:dict) -> list:
    "Share of a U-Net forward's profiled self time per kind of operator, and the FLOP/s of its convolutions alone (fraction of the matmul peak)."
    from torch.profiler import ProfilerActivity, profile
    from torch.utils.flop_counter import FlopCounterMode
    net = build_unet('nano32', (3, 32, 32)).eval().to(memory_format=torch.channels_last)
    x, t = torch.randn(64, 3, 32, 32).contiguous(memory_format=torch.channels_last), torch.randint(0, 1000, (64,))
    rows, n = [], 2 if quick else 6
    for prec, dt in PRECS:
        def fwd():
            with torch.no_grad(), autocast(dt): net(x, t)
        with FlopCounterMode(display=False) as fc: fwd()
        per_op = fc.get_flop_counts()['Global']
        conv_flops, all_flops = sum(v for k, v in per_op.items() if 'convolution' in str(k)), fc.get_total_flops()
        for _ in range(2): fwd()
        with profile(activities=[ProfilerActivity.CPU]) as p:
            for _ in range(n): fwd()
        ev = [e for e in p.key_averages() if e.key.startswith('aten::')]
        total = sum(e.self_cpu_time_total for e in ev)
        share = {k: sum(e.self_cpu_time_total for e in ev if any(m in e.key[6:] for m in ms)) / total for k, ms in OP_KINDS.items()}
        share['other'] = 1 - sum(share.values())
        conv_s = share['convolution'] * total / 1e6 / n
        row = dict(config='nano32', batch=64, memory_format='channels-last', precision=prec, forward_ms=total / 1e3 / n, share_of_time=share,
                   conv_fraction_of_matmul=conv_flops / conv_s / peak[prec], forward_fraction_of_matmul=all_flops / (total / 1e6 / n) / peak[prec])
        rows.append(row)
        print(f"  {prec}: forward {row['forward_ms']:.1f} ms (profiled); " + ', '.join(f"{k} {v:.0%}" for k, v in share.items()) +
              f"; convolutions alone at {row['conv_fraction_of_matmul']:.0%} of the matmul FLOP/s, the whole forward at {row['forward_fraction_of_matmul']:.0%}", flush=True)
    return rows

def time_budget_rows(quick:bool) -> list:
    "`ddim_nb_train --minutes M` as a user runs it (a fresh process, default threads): the whole command against its budget."
    import tempfile
    rows, train = [], [sys.executable, '-c', 'import sys; from ddim_nb.cli import train_cli; sys.exit(train_cli.run())']
    for minutes in ((0.5,) if quick else (1,)):
        with tempfile.TemporaryDirectory() as d:
            t = time.time()
            subprocess.run([*train, '--data', 'fashion_mnist', '--minutes', str(minutes), '--out', f'{d}/run', '--quiet'],
                           check=True, capture_output=True)
            wall = time.time() - t
            steps = int(Path(d, 'run', 'log.csv').read_text().splitlines()[-1].split(',')[0])
        rows.append(dict(data='fashion_mnist', minutes=minutes, steps=steps, wall_s=wall, off_budget=wall / (60 * minutes) - 1))
        print(f"  --minutes {minutes:g}: {steps} steps, the whole command {wall:.1f} s "
              f"({100 * (wall / (60 * minutes) - 1):+.1f} % of its budget)", flush=True)
    return rows

SECTIONS = ('unet', 'op_shares', 'sampling', 'training', 'inversion', 'optimize_memory', 'pairs', 'fast_paths', 'time_budget')

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--quick', action='store_true', help='fewer repetitions and smaller batches (a smoke test)')
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results.json'))
    ap.add_argument('--compile', action='store_true', help='also time torch.compile against eager (costs minutes of compilation)')
    ap.add_argument('--gpu', action='store_true', help='only the GPU rows, written to bench/results_gpu.json (needs CUDA)')
    ap.add_argument('--only', nargs='+', choices=SECTIONS, help='measure only these items (with the matrix-product peaks), updating them in an existing --out')
    a = ap.parse_args()
    t0 = time.time()
    if a.gpu:
        if not torch.cuda.is_available(): sys.exit('--gpu needs a CUDA device')
        out = a.out if a.out != ap.get_default('out') else str(Path(__file__).parent / 'results_gpu.json')
        head = dict(hardware=hardware(), torch=torch.__version__, python=platform.python_version(), quick=a.quick)
        def save(rows): Path(out).write_text(json.dumps({**head, **rows, 'wall_s': time.time() - t0}, indent=1))
        gpu_rows(a.quick, a.compile, save)
        print(f"wrote {out} ({time.time() - t0:.0f} s)"); return
    if a.only and not Path(a.out).exists(): sys.exit(f"--only updates an existing results file; {a.out} does not exist")
    mm = {k: matmul_flops(dt) for k, dt in PRECS}
    peak = {k: v['peak'] for k, v in mm.items()}
    print(f"{hardware()}, torch {torch.__version__}: 2048³ product, GFLOP/s: " +
          ', '.join(f"{k} matmul {v['matmul'] / 1e9:.0f}, as 1×1 conv {v['conv1x1'] / 1e9:.0f}" for k, v in mm.items()), flush=True)
    head = dict(hardware=hardware(), torch=torch.__version__, python=platform.python_version(), threads=torch.get_num_threads(),
                cpu_capability=torch.backends.cpu.get_cpu_capability(), bf16=BF16 or 'unmeasured: this CPU has no native bfloat16',
                matmul_flops_per_s=mm, quick=a.quick, gpu=torch.cuda.get_device_name() if torch.cuda.is_available() else 'unmeasured: no CUDA device')
    if a.only:   # the other items stay as an earlier run measured them; these record the run that re-measured them
        res = json.loads(Path(a.out).read_text())
        res.setdefault('updated', {}).update({k: dict(head, date=time.strftime('%Y-%m-%d')) for k in a.only})
    else: res = head
    fns = dict(unet=unet_rows, op_shares=op_share_rows, sampling=sampling_rows, training=training_rows, inversion=inversion_rows,
               optimize_memory=memory_rows, pairs=pair_rows, fast_paths=fast_path_rows, time_budget=time_budget_rows)
    for name in a.only or SECTIONS:
        print(f"{name}:", flush=True)
        fn = fns[name]
        res[name] = fn(a.quick, peak) if name in ('unet', 'op_shares') else fn(a.quick, a.compile) if name == 'fast_paths' else fn(a.quick)
    if a.only: res.setdefault('updated', {}).update({k: dict(res['updated'][k], wall_s=time.time() - t0) for k in a.only})
    else: res['wall_s'] = time.time() - t0
    Path(a.out).write_text(json.dumps(res, indent=1))
    print(f"wrote {a.out} ({time.time() - t0:.0f} s)")

if __name__ == '__main__': main()
