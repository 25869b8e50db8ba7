#!/usr/bin/env python3
"""Run every notebook as a reader does — Jupyter's "Run all": a fresh kernel each, every cell, default settings.

    python tools/reader_run.py                        # all notebooks; prints each one's wall time
    python tools/reader_run.py nbs/05_editing.ipynb   # some of them
    python tools/reader_run.py --out bench/reader_run.json   # and record the times (the committed file)

Each notebook runs in its own kernel (nbclient, the library Jupyter itself uses to execute notebooks), in the
notebook's folder, with no cell skipped: cells flagged `slow` run too, and do nothing unless the notebook's `RECORD`
switch is on. A cell that raises fails the run. Before and after, the shipped files — `ddim_nb/weights` and
`nbs/images` — are hashed, and the run fails if a notebook changed one of them or left a file in the checkout that
git does not ignore (or changed a file git tracks): a reader's run writes only to temporary and cache folders. The notebooks themselves are not
written. Each notebook's time is printed beside its budget (5 minutes; 03, 05 and 10: 8).
"""
import argparse, hashlib, json, os, platform, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
SHIPPED = [ROOT/'ddim_nb'/'weights', NBS/'images']
BUDGET_S = {'03_inversion': 480, '05_editing': 480, '10_guidance': 480}
DEFAULT_BUDGET_S = 300

def hashes() -> dict:
    "SHA-256 of every file under the shipped folders, by path."
    return {str(p.relative_to(ROOT)): hashlib.sha256(p.read_bytes()).hexdigest()
            for d in SHIPPED for p in sorted(d.rglob('*')) if p.is_file()}

def untracked() -> set:
    "What `git status` reports (files changed, added or left, not ignored), each with a hash of its content."
    out = subprocess.run(['git', 'status', '--porcelain', '--untracked-files=all'], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    paths = [ROOT/l[3:].strip('"') for l in out.splitlines()]
    return {(str(p.relative_to(ROOT)), hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else '')
            for p in paths}

def run_notebook(path:Path, timeout:int) -> tuple[float, list]:
    "Execute `path` in a fresh kernel; its wall time and the three slowest cells (id, seconds)."
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name='python3', record_timing=True,
                            resources={'metadata': {'path': str(path.parent)}})
    t0 = time.time()
    client.execute()
    wall = time.time() - t0
    def secs(c):
        t = c.metadata.get('execution', {})
        a, b = t.get('iopub.execute_input'), t.get('shell.execute_reply')
        if not (a and b): return 0.
        from datetime import datetime
        f = lambda s: datetime.fromisoformat(s.replace('Z', '+00:00'))
        return (f(b) - f(a)).total_seconds()
    cells = sorted(((c.get('id'), round(secs(c), 1)) for c in nb.cells if c.cell_type == 'code'), key=lambda x: -x[1])
    return wall, cells[:3]

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='*', help='notebooks to run (default: every notebook in nbs/)')
    ap.add_argument('--out', default=os.environ.get('READER_RUN_OUT'),
                    help='write the times to this JSON file (default: $READER_RUN_OUT, else print them only)')
    ap.add_argument('--timeout', type=int, default=1800, help='seconds one cell may take before the run fails')
    a = ap.parse_args()
    paths = [Path(p).resolve() for p in a.notebooks] or sorted(NBS.glob('*.ipynb'))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing: sys.exit(f"reader_run: no such notebook: {', '.join(missing)}")
    before, left_before = hashes(), untracked()
    rows, failed = [], []
    for p in paths:
        name = p.stem
        try: wall, slowest = run_notebook(p, a.timeout)
        except Exception as e:
            failed.append(name)
            print(f"{name}: FAILED: {type(e).__name__}: {str(e)[-3000:]}", flush=True)
            continue
        budget = BUDGET_S.get(name, DEFAULT_BUDGET_S)
        rows.append(dict(notebook=name, wall_s=round(wall, 1), budget_s=budget, slowest_cells=slowest))
        print(f"{name:18s} {wall:6.1f} s  (budget {budget} s{', OVER' if wall > budget else ''})  slowest: "
              + ', '.join(f'{i} {s} s' for i, s in slowest), flush=True)
    after, left_after = hashes(), untracked()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    litter = sorted({p for p, _ in left_after - left_before})
    total = sum(r['wall_s'] for r in rows)
    print(f"total {total:.0f} s over {len(rows)} notebooks; over budget: "
          f"{[r['notebook'] for r in rows if r['wall_s'] > r['budget_s']] or 'none'}")
    print(f"shipped files changed: {changed or 'none'} ({len(after)} hashed); files left in the checkout: {litter or 'none'}")
    if a.out:
        cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), '') \
            if os.path.exists('/proc/cpuinfo') else platform.processor()
        import torch
        rec = dict(what='wall time of each notebook run top to bottom in a fresh kernel (tools/reader_run.py)',
                   machine=dict(cpu=cpu, cores=os.cpu_count(), torch_threads=torch.get_num_threads(),
                                torch=torch.__version__, python=platform.python_version()),
                   date=time.strftime('%Y-%m-%d'), total_s=round(total, 1), notebooks=rows)
        Path(a.out).write_text(json.dumps(rec, indent=1) + '\n')
    if failed or changed or litter:
        sys.exit(f"reader_run: failed: {failed or 'none'}; shipped files changed: {changed or 'none'}; "
                 f"left in the checkout: {litter or 'none'}")

if __name__ == '__main__': main()
