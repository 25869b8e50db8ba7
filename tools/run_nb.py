#!/usr/bin/env python3
"""Execute a notebook in place and keep its outputs, with the state of the widgets it displays.

    python tools/run_nb.py nbs/05_editing.ipynb              # cells flagged slow or cuda are skipped (their outputs kept)
    RUN_FLAGS=slow python tools/run_nb.py nbs/05_editing.ipynb   # the record: slow cells run, with `RECORD = True`
    RUN_CELLS=c012b python tools/run_nb.py nbs/02b_pretrained.ipynb  # these flagged cells too (by id), the others' outputs kept
    RUN_FLAGS=slow KEEP_FLAGGED=1 RUN_CELLS=e075s python tools/run_nb.py nbs/05_editing.ipynb
        # every slow cell runs (later cells need its variables), but only those in RUN_CELLS get new outputs
    KEEP_CELLS=g036 RUN_CELLS=g057,g058 python tools/run_nb.py nbs/10_guidance.ipynb
        # these flagged cells run for their variables, their recorded outputs kept; those in RUN_CELLS run and are recorded

Cells flagged `slow` hold the record: their bodies run only under the notebook's `RECORD` switch, so when they run
here (RUN_FLAGS=slow, RUN_CELLS or KEEP_CELLS naming one) the switch is turned on right after the set-up cell.
`nbdev_test` runs notebooks without writing them; this writes the outputs back, as Jupyter would, and saves the state
of every displayed ipywidget in the notebook's metadata, so that the widgets render — and, where their controls are
linked in the browser (`ddim_nb.images.frame_explorer`), respond — on static pages. Cells run in the notebook's folder.
"""
import json, os, sys, time
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell

def directives(cell) -> set:
    out = set()
    for line in cell.source.splitlines():
        if not line.startswith('#|'): break
        out |= set(line[2:].replace(':', ' ').split())
    return out

def widget_state(nb) -> dict | None:
    "The state of the widgets the outputs display (and of those they depend on), as Jupyter saves it."
    ids = [o['data']['application/vnd.jupyter.widget-view+json']['model_id'] for c in nb.cells for o in c.get('outputs', [])
           if 'application/vnd.jupyter.widget-view+json' in o.get('data', {})]
    if not ids: return None
    from ipywidgets.embed import dependency_state
    from ipywidgets.widgets.widget import _instances
    missing = [i for i in ids if i not in _instances]
    if missing: raise SystemExit(f"widget views without a live widget (outputs of cells not run now?): {missing[:3]}")
    return dict(version_major=2, version_minor=0, state=dependency_state([_instances[i] for i in ids], drop_defaults=True))

def small_png(b64:str) -> str:
    """A figure (base64 PNG) as small as it losslessly gets: a 256-colour palette PNG where that is smaller (matplotlib
    writes true colour; these figures rarely use more colours), then recompressed by oxipng (pyoxipng: the same pixels
    in fewer bytes)."""
    import base64, io
    import oxipng
    from PIL import Image
    raw = base64.b64decode(b64)
    best = raw
    im = Image.open(io.BytesIO(raw))
    if im.mode in ('RGB', 'RGBA'):
        out = io.BytesIO()
        im.convert('RGB').quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(out, format='PNG',
                                                                                                     optimize=True)
        if out.tell() < len(best): best = out.getvalue()
    packed = oxipng.optimize_from_memory(best, level=6, strip=oxipng.StripChunks.safe())
    if len(packed) < len(best): best = packed
    return base64.b64encode(best).decode() if len(best) < len(raw) else b64

def compact(nb:dict):
    "Every figure of the outputs and every picture of the saved widget state through `small_png`."
    for c in nb['cells']:
        for o in c.get('outputs', []):
            d = o.get('data', {})
            if 'image/png' in d: d['image/png'] = small_png(''.join(d['image/png']))   # new and recorded figures alike
    state = nb.get('metadata', {}).get('widgets', {}).get('application/vnd.jupyter.widget-state+json', {})
    for m in state.get('state', {}).values():
        for b in m.get('buffers', []):
            if b.get('encoding') == 'base64' and b['data'].startswith('iVBOR'): b['data'] = small_png(b['data'])

def main(path:str):
    p = Path(path).resolve()
    flags = set(os.environ.get('RUN_FLAGS', '').split(',')) - {''}
    skip = {'slow', 'cuda'} - flags
    extra = set(os.environ.get('RUN_CELLS', '').split(',')) - {''}
    keep = bool(os.environ.get('KEEP_FLAGGED'))
    keep_cells = set(os.environ.get('KEEP_CELLS', '').split(',')) - {''}
    extra |= keep_cells
    nb = read_nb(p)
    os.chdir(p.parent)
    shell, t0 = CaptureShell(), time.time()
    for c in nb.cells:
        if c.cell_type != 'code': continue
        d = directives(c)
        if (d & skip and c.get('id') not in extra) or {'eval', 'false'} <= d:
            for o in c.get('outputs', []): o.get('data', {}).pop('application/vnd.jupyter.widget-view+json', None)  # no state for these
            continue
        t, old = time.time(), c.get('outputs', [])
        c['outputs'] = []
        shell.cell(c)
        if c.get('id') == 'setup' and ('slow' in flags or extra): shell.run_cell('RECORD = True')
        if ((keep and d & {'slow', 'cuda'} and c.get('id') not in extra) or c.get('id') in keep_cells) and not any(o.get('output_type') == 'error' for o in c['outputs']):
            c['outputs'] = old
            for o in old: o.get('data', {}).pop('application/vnd.jupyter.widget-view+json', None)
        if os.environ.get('VERBOSE'): print(c.get('id'), round(time.time() - t, 1), flush=True)
        err = next((o for o in c.get('outputs', []) if o.get('output_type') == 'error'), None)
        if err: sys.exit(f"error in cell {c.get('id')}: {err.get('ename')}: {err.get('evalue')}\n" + '\n'.join(err.get('traceback', []))[-3000:])
    state = widget_state(nb)
    nb.metadata.pop('widgets', None)
    write_nb(nb, p)
    d = json.loads(p.read_text())    # the state added as JSON: execnb's writer would take the `source` fields
    if state: d['metadata']['widgets'] = {'application/vnd.jupyter.widget-state+json': state}   # (of link models) for cells
    compact(d)
    p.write_text(json.dumps(d, indent=1, ensure_ascii=False) + '\n')
    print(f"{p.name}: ran in {time.time() - t0:.0f} s" + (f"; widget state of {len(state['state'])} models saved" if state else ''))

if __name__ == '__main__':
    if sys.argv[1:2] == ['--compact']:       # only recompress the figures of notebooks as they are, running nothing
        for f in sys.argv[2:]:
            d = json.loads(Path(f).read_text()); compact(d)
            Path(f).write_text(json.dumps(d, indent=1, ensure_ascii=False) + '\n')
    else: main(sys.argv[1])
