"""ddim_nb benchmarks: where the time goes, as ratios measured within one run.

    python bench/bench.py [--quick] [--out bench/results.json]

Items (each with the hardware and versions in the results file):
1. U-Net forward and forward+backward images/s (shipped nano32 config at 32×32, reference ref64 at 64×64), float32
   and bf16 autocast; achieved FLOP/s (torch.utils.flop_counter) as a fraction of a large matrix product's FLOP/s
   in the same precision, measured in the same run.
2. Sampling images/s at S = 10 and 50; sampler overhead = sampling time / (S × one network call); the same loop driven
   by diffusers' DDIMScheduler (an outside baseline) where diffusers is installed.
3. Training steps/s and images/s per recipe; the data pipeline (`training_batch`) alone, and its ratio to training.
4. Inversion: seconds per image and network calls per method (03's `compare`).
5. Pair generation (05): pairs/s, float32 and bf16.
Times are medians of several repetitions; the machines are shared, so compare ratios within one run."""
import argparse, dataclasses, json, statistics, time, platform
from pathlib import Path
import torch

from ddim_nb.ddim import DDIM, decode, hardware, randn_latents, step_pairs, ddim_step
from ddim_nb.pretrained import load
from ddim_nb.unet import build_unet
from ddim_nb.train import RECIPES, TrainConfig, build_network, train_step, training_batch, lr_at
from ddim_nb.data import avatars
from ddim_nb.inversion import compare
from ddim_nb.editing import generate_pairs

def median_time(fn, reps:int=5, warmup:int=1) -> float:
    for _ in range(warmup): fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return statistics.median(ts)

def autocast(dtype): return torch.autocast('cpu', dtype=dtype or torch.float32, enabled=dtype is not None)

def matmul_flops(dtype, n:int=2048, reps:int=5) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    if dtype is not None: a, b = a.to(dtype), b.to(dtype)
    return 2 * n ** 3 / median_time(lambda: a @ b, reps)

def count_flops(fn) -> int:
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as fc: fn()
    return fc.get_total_flops()

def unet_rows(quick:bool, peak:dict) -> list:
    rows = []
    for config, shape, bs in [('nano32', (3, 32, 32), 64), ('ref64', (3, 64, 64), 2 if quick else 8)]:
        net = build_unet(config, shape).eval()
        x, t = torch.randn(bs, *shape), torch.randint(0, 1000, (bs,))
        for prec, dt in (('fp32', None), ('bf16', torch.bfloat16)):
            def fwd():
                with torch.no_grad(), autocast(dt): net(x, t)
            def fwd_bwd():
                net.zero_grad(set_to_none=True)
                with autocast(dt): out = net(x, t)
                out.float().square().mean().backward()
            f_fwd = count_flops(fwd); f_fb = count_flops(fwd_bwd)
            reps = 2 if quick else 4
            s_fwd, s_fb = median_time(fwd, reps), median_time(fwd_bwd, reps)
            rows.append(dict(config=config, shape=list(shape), batch=bs, precision=prec,
                             fwd_images_per_s=bs / s_fwd, fwd_bwd_images_per_s=bs / s_fb,
                             fwd_flops_per_s=f_fwd / s_fwd, fwd_fraction_of_matmul=f_fwd / s_fwd / peak[prec],
                             fwd_bwd_flops_per_s=f_fb / s_fb, fwd_bwd_fraction_of_matmul=f_fb / s_fb / peak[prec]))
            print(f"  {config} {prec}: forward {bs / s_fwd:8.1f} img/s ({f_fwd / s_fwd / peak[prec]:.0%} of matmul), "
                  f"forward+backward {bs / s_fb:8.1f} img/s ({f_fb / s_fb / peak[prec]:.0%})", flush=True)
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
    for S in ((10,) if quick else (10, 50)):
        s = median_time(lambda: decode(ddim, z, S, batch_size=bs), 3)
        s16 = median_time(lambda: decode(ddim, z, S, batch_size=bs, precision='bf16'), 3)
        r = dict(model='avatars32', batch=bs, S=S, images_per_s=bs / s, images_per_s_bf16=bs / s16, sampler_overhead=s / (S * one_call))
        try:
            ref = decode(ddim, z, S, batch_size=bs)
            sd = median_time(lambda: diffusers_sample(ddim, z, S), 3)
            r.update(diffusers_images_per_s=bs / sd, ours_over_diffusers=sd / s,
                     diffusers_max_abs_diff=(diffusers_sample(ddim, z, S) - ref).abs().max().item())
        except ImportError: r.update(diffusers_images_per_s=None)
        rows.append(r)
        print(f"  S={S}: {bs / s:.1f} img/s fp32, {bs / s16:.1f} bf16; overhead {r['sampler_overhead']:.3f}; "
              f"diffusers {r.get('diffusers_images_per_s') or 0:.1f} img/s (ours {r.get('ours_over_diffusers') or 0:.2f}×)", flush=True)
    return rows

def training_rows(quick:bool) -> list:
    data, rows = avatars(2048, progress=False), []
    for recipe in RECIPES:
        cfg = TrainConfig(data='avatars', config='nano32', batch_size=64, **RECIPES[recipe])
        if cfg.objective == 'edm': cfg = dataclasses.replace(cfg, sigma_data=0.588)   # what `train` measures on the avatars
        unet, net, ddim = build_network(cfg, data.shape)
        opt = torch.optim.Adam(net.parameters(), lr=1e-4)
        amp = torch.bfloat16 if cfg.precision in ('auto', 'bf16') else None
        batches = [training_batch(data, s, cfg.batch_size, cfg.seed, ddim.T, cfg.t_dist, ddim.abar, cfg.p_mean, cfg.p_std) for s in range(4)]
        it = iter(range(10 ** 9))
        def step():
            x0, t, eps = batches[next(it) % 4]
            train_step(net, ddim, opt, x0, t, eps, cfg.loss, cfg.grad_clip, amp_dtype=amp)
        s = median_time(step, 3 if quick else 6, warmup=2)
        sd = median_time(lambda: training_batch(data, 7, cfg.batch_size, cfg.seed, ddim.T, cfg.t_dist, ddim.abar, cfg.p_mean, cfg.p_std), 10)
        rows.append(dict(recipe=recipe, config='nano32', batch=64, precision=cfg.precision, steps_per_s=1 / s, images_per_s=64 / s,
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
    for prec in ('fp32', 'bf16'):
        t0 = time.perf_counter(); generate_pairs(ddim, n, steps=20, precision=prec, progress=False)
        s = time.perf_counter() - t0
        rows.append(dict(precision=prec, S=20, pairs=n, pairs_per_s=n / s))
        print(f"  pairs, {prec}: {n / s:.1f} pairs/s at S = 20", flush=True)
    return rows

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--quick', action='store_true', help='fewer repetitions and smaller batches (a smoke test)')
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results.json'))
    a = ap.parse_args()
    t0 = time.time()
    peak = {'fp32': matmul_flops(None), 'bf16': matmul_flops(torch.bfloat16)}
    print(f"{hardware()}, torch {torch.__version__}: 2048² matmul {peak['fp32'] / 1e9:.1f} GFLOP/s fp32, {peak['bf16'] / 1e9:.1f} bf16", flush=True)
    res = dict(hardware=hardware(), torch=torch.__version__, python=platform.python_version(), threads=torch.get_num_threads(),
               matmul_flops_per_s=peak, quick=a.quick)
    for name, fn in (('unet', unet_rows), ('sampling', sampling_rows), ('training', training_rows), ('inversion', inversion_rows), ('pairs', pair_rows)):
        print(f"{name}:", flush=True)
        res[name] = fn(a.quick, peak) if name == 'unet' else fn(a.quick)
    res['wall_s'] = time.time() - t0
    Path(a.out).write_text(json.dumps(res, indent=1))
    print(f"wrote {a.out} ({res['wall_s']:.0f} s)")

if __name__ == '__main__': main()
