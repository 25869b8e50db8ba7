"""A notebook as one static HTML page with its saved widget state, the widget JavaScript served locally.

    python render.py NOTEBOOK.ipynb OUT.html EMBED_JS

Stands in for Quarto (which renders the documentation site, and is not installable here) to prove that the widgets of
a notebook render and respond without a kernel: markdown as text, image and text outputs, and every widget view,
rendered by `@jupyter-widgets/html-manager` (EMBED_JS: its `dist/embed.js`, from npm) from the notebook's saved state."""
import base64, html, json, os, sys
from pathlib import Path

nb_path, out, embed = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
nb = json.loads(nb_path.read_text())
state = nb.get('metadata', {}).get('widgets', {}).get('application/vnd.jupyter.widget-state+json')
if not state: raise SystemExit(f"{nb_path.name} holds no widget state")
parts = []
for c in nb['cells']:
    src = ''.join(c['source'])
    if c['cell_type'] == 'markdown': parts.append(f"<div class='md'>{html.escape(src)}</div>"); continue
    if src.startswith('#| hide'): continue
    for o in c.get('outputs', []):
        d = o.get('data', {})
        if 'application/vnd.jupyter.widget-view+json' in d:
            parts.append("<div class='widget'><script type='application/vnd.jupyter.widget-view+json'>"
                         f"{json.dumps(d['application/vnd.jupyter.widget-view+json'])}</script></div>")
        elif 'image/png' in d: parts.append(f"<img class='out' src='data:image/png;base64,{''.join(d['image/png']).strip()}'>")
        elif 'text/plain' in d or 'text' in o: parts.append(f"<pre>{html.escape(''.join(d.get('text/plain', o.get('text', ''))))}</pre>")
rel = os.path.relpath(embed, out.parent)
out.write_text(f"""<!doctype html><html><head><meta charset='utf-8'><title>{nb_path.stem}</title>
<style>body{{font-family:sans-serif;max-width:70rem;margin:1rem auto}} .md{{white-space:pre-wrap;color:#333;margin:.6rem 0}}
pre{{background:#f4f4f4;padding:.4rem;overflow-x:auto}} img.out{{max-width:100%}} .widget{{margin:.8rem 0;border:1px dashed #aaa;padding:.4rem}}</style>
<script src='{rel}'></script>
<script type='application/vnd.jupyter.widget-state+json'>{json.dumps(state)}</script>
</head><body><h1>{nb_path.stem}</h1>{''.join(parts)}</body></html>""", encoding='utf-8')
print(f"{out}: {len(state['state'])} widget models, {sum('widget-view' in p for p in parts)} widget views")
