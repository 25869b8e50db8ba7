"""Run README.md as a new user would: every ```python block in order, each as it is labelled — a block whose first
line says it continues the snippet above runs in that snippet's namespace, every other block alone in a fresh one —
and every `ddim_nb_*` command of its ```sh blocks, in an empty folder; then check that each produced what its
comments say. Usage: python readme.py README.md [WORKDIR]"""
import re, shlex, subprocess, sys, tempfile, time, os
from pathlib import Path

readme = Path(sys.argv[1]).read_text()
work = Path(sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp())
work.mkdir(parents=True, exist_ok=True); os.chdir(work)
blocks = re.findall(r"```(python|sh)\n(.*?)```", readme, flags=re.S)
py = [b for k, b in blocks if k == 'python']
cmds = [l.split('#')[0].strip() for k, b in blocks if k == 'sh' for l in b.splitlines() if l.startswith('ddim_nb_')]
assert len(py) == 4 and 'ddim_nb_demo' in cmds, (len(py), cmds)

def ok(cond, what):
    if not cond: raise SystemExit(f"README: {what}")
    print(f"  ok: {what}")

ns = {}
for i, code in enumerate(py, 1):
    t0 = time.time()
    alone = not code.startswith('# continues the snippet above')
    ok(alone or i > 1, f"block {i} is labelled {'self-contained' if alone else 'as continuing block ' + str(i - 1)}")
    if alone: ns = {}                               # a self-contained block: a fresh namespace, nothing from the blocks before
    exec(compile(code, f'README python block {i}', 'exec'), ns)
    print(f"python block {i}: ran in {time.time() - t0:.1f} s ({'alone' if alone else 'after block ' + str(i - 1)})")
    import torch
    from PIL import Image
    if i == 1:
        x = ns['images']
        ok(tuple(x.shape) == (16, 1, 32, 32), "block 1: 16 images of shape (1, 32, 32)")
        ok((x.abs() > 1.1).float().mean() < 0.01 and x.abs().max() < 1.5, f"block 1: values in [-1, 1] up to a small overshoot ({x.min():.2f}..{x.max():.2f})")
        ok(Image.open('samples.png').size == (4 * 34 + 2,) * 2, "block 1: samples.png is a 4 × 4 grid")
    if i == 2:
        from ddim_nb import psnr
        f, im = ns['frames'], ns['images']
        ok(tuple(f.shape) == (9, 3, 32, 32) and tuple(im.shape) == (2, 3, 32, 32), "block 2: 9 frames between two avatars")
        p0, p1 = psnr(f[:1], im[:1]).item(), psnr(f[-1:], im[1:]).item()
        ok(p0 > 30 and p1 > 30, f"block 2: the path starts at the first avatar and ends at the second ({p0:.1f} dB, {p1:.1f} dB)")
        ok(Image.open('walk.png').size == (9 * 34 + 2, 36), "block 2: walk.png is one row of 9")
    if i == 3:
        clf, e, p = ns['clf'], ns['edited'], ns['p']
        q = clf(e).sigmoid()[:, clf.attrs.index('smiling')]
        ok(((p > 0.5) != (q > 0.5)).all(), f"block 3: both edits flip smiling (P before {p.tolist()}, after {q.tolist()})")
        ok(Image.open('edited.png').size == (2 * 34 + 2, 2 * 34 + 2), "block 3: edited.png holds originals and edits")
    if i == 4:
        from ddim_nb.classifier import attribute_classifier
        from ddim_nb.guidance import classify
        fclf = attribute_classifier('fashion32')
        g, dr = classify(fclf, ns['garments']), classify(fclf, ns['dresses'])
        ok(tuple(ns['garments'].shape) == (10, 1, 32, 32) and (g == torch.arange(10)).sum() >= 8, f"block 4: the classifier sees the class asked for in {(g == torch.arange(10)).sum()} of 10 garments")
        ok((dr == 3).sum() >= 3, f"block 4: the classifier calls {(dr == 3).sum()} of the 4 swapped trousers dresses")
        from ddim_nb.guidance import silhouette_iou
        kp, inside = classify(fclf, ns['kept']), silhouette_iou(ns['trousers'], ns['kept']) > ns['bar']
        ok((kp == 3).sum() >= 3 and inside.all(), f"block 4: the classifier calls {(kp == 3).sum()} of the 4 outline-keeping swaps dresses; {inside.sum()} of 4 clear their outline bar")
        ok(Image.open('classes.png').size == (10 * 34 + 2, 36) and Image.open('dresses.png').size == (4 * 34 + 2, 3 * 34 + 2), "block 4: classes.png and dresses.png")

for c in cmds:
    t0 = time.time()
    subprocess.run(shlex.split(c) + ['--quiet'], check=True)
    dt = time.time() - t0
    print(f"$ {c}: {dt:.0f} s")
    if c.startswith('ddim_nb_demo'):
        ok(Path('ddim_nb_demo/report.html').stat().st_size > 10_000, "the demo wrote ddim_nb_demo/report.html")
        ok(dt < 180, f"the demo ran in under 3 minutes ({dt:.0f} s)")
    if c.startswith('ddim_nb_sample') and 'samples.png' in c:
        ok(Image.open('samples.png').size == (6 * 34 + 2,) * 2, "ddim_nb_sample wrote 36 samples to samples.png")
    if c.startswith('ddim_nb_edit'):
        strip = Image.open('edits/face.edits.png')
        ok(strip.width > 9 * 34 * 3 and strip.height > 2 * 34 * 3, f"ddim_nb_edit wrote the labelled strip edits/face.edits.png ({strip.size})")
        ok(len(list(Path('edits').glob('face.smiling*.png'))) == 8, "ddim_nb_edit wrote the 8 smiling edits besides α = 0")
print("README: every snippet and command ran as written")
