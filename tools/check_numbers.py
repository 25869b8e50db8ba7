#!/usr/bin/env python3
"""Numbers in prose come from the run: every measured number a notebook's markdown quotes must be printed by one of
its cells (a recorded output) or written in one of its code cells (an assertion or a setting).

    python tools/check_numbers.py                 # every notebook in nbs/; exit 1 listing each number not found
    python tools/check_numbers.py nbs/05_editing.ipynb -v   # one notebook, listing every number and where it was found

A quoted number matches a number of the outputs or code when they agree to the digits the prose gives: 87 % matches
a printed 87.3, 0.873 or 87; 1.55 matches 1.5503; 65 536 matches 65536. What is not a measured number, and so not
checked, is listed in `EXEMPT` below and in `strip_prose`: mathematics between dollar signs, code between
backquotes, links and image addresses, section and list numbers, years, the names of notebooks, models and
configurations (`05_editing`, `avatars32`, `ref64`), image sizes (32×32), single digits, and numbers inside a
citation's parentheses. A number the prose must state without a cell that prints it can be asserted in a code
cell: `assert 65_536 == N_PAIRS` or `test_eq(len(pairs), 65536)`.
"""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEP = '\u202f\u2009\u00a0 ,_'
NUM = re.compile(r'(?<![\w.])[-−]?\d{1,3}(?:[\u202f\u2009\u00a0 ,_]\d{3})+(?:\.\d+)?(?![\w])|(?<![\w.])[-−]?\d+(?:\.\d+)?')
PLAIN = re.compile(r'(?<![\w.])[-−]?\d+(?:\.\d+)?')

EXEMPT = [
    r'```.*?```',                                      # code blocks: commands and settings as written
    r'\$\$.*?\$\$', r'\$[^$\n]+\$',                    # mathematics: equations, symbols with their indices
    r'`[^`\n]*`',                                      # code: names, calls, settings as written in code
    r'!?\[[^\]]*\]\([^)]*\)',                          # links and images: the address (the text is kept below)
    r'https?://\S+',                                   # bare addresses
    r'^\s*#+\s*[\d.]+',                                # section numbers
    r'^\s*(?:\d+\.)+\s', r'^\s*[-*]\s+\d+\.\s',        # numbered list items
    r'\b(?:19|20)\d\d\b',                              # years
    r'\b\d\d[a-z]?_\w+',                               # notebook names (05_editing)
    r'\b(?:avatars|fashion|ref|tiny|nano|cpu|celeba|cifar|ddpm|mnist)\d+\w*',   # models, configurations, datasets
    r'\b\d+\s*[×x]\s*\d+(?:\s*[×x]\s*\d+)*',           # sizes: 32×32, 3×32×32, 8 × 8
    r'\b[A-Za-z]+[-‑]\d+\b', r'\b\d+[-‑][A-Za-z]+\b',  # names with numbers: ResNet-20, Inception-v3, 50-step, 2-core
    r'\b(?:H100|H200|A100|RTX \d+( Ti)?|T4|V100|AVX-?\d+|bf16|fp32|fp16|float\d+|int\d+|uint\d+|CIFAR-?\d+|L\d)\b',
    r'\b(?:eq\.|equation|Eq\.|section|Section|step|Step|item|cell)\s*\(?\d+\)?',  # references to equations and parts
    r'\(\d+\)',                                        # equation numbers
    r'\b[A-Z][a-z]+ et al\.[^)]*\)',                   # citations
]

def strip_prose(md:str) -> str:
    "The markdown with what `EXEMPT` lists removed (link texts are kept)."
    md = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', md)
    for pat in EXEMPT: md = re.sub(pat, ' ', md, flags=re.M | re.S if pat.startswith((r'\$\$', '```')) else re.M)
    return md

def value(tok:str) -> tuple[float, int]:
    "A number token as (value, decimals given)."
    t = re.sub(f'[{SEP}]', '', tok).replace('−', '-')
    return float(t), len(t.split('.')[1]) if '.' in t else 0

def haystack(nb:dict) -> tuple[set, str]:
    "The numbers of the notebook's outputs and code cells, and their text."
    texts = []
    for c in nb['cells']:
        if c['cell_type'] != 'code': continue
        texts.append(''.join(c['source']))
        for o in c.get('outputs', []):
            if 'text' in o: texts.append(''.join(o['text']))
            for k, v in o.get('data', {}).items():
                if k.startswith('text/'): texts.append(''.join(v))
    text = '\n'.join(texts)
    vals = set()
    for m in [*NUM.finditer(text), *PLAIN.finditer(text)]:     # grouped (65 536) and plain, so table columns
        v, d = value(m.group())                                  # such as `100 129.27` count both ways
        vals.add(v)
        if d: vals.add(round(v, d))
    return vals, text

def found(tok:str, vals:set, after:str) -> bool:
    "Whether a quoted number agrees with a number of the outputs or code to the digits it gives."
    v, d = value(tok)
    if v in vals: return True
    pct = after.lstrip().startswith('%') or after.lstrip().startswith('percent')
    for w in vals:
        if round(w, d) == v or round(w, d) == -v: return True
        if pct and round(100 * w, d) == v and abs(w) <= 1: return True
        if abs(w) >= 1000 and round(w / 1000, d) == v: return True          # 65.5 k, 1.2 M quoted from 65 536, 1 2xx xxx
        if abs(w) >= 1e6 and round(w / 1e6, d) == v: return True
    return False

def check(path:Path, verbose=False) -> list[str]:
    nb = json.loads(path.read_text())
    vals, _ = haystack(nb)
    missing = []
    for c in nb['cells']:
        if c['cell_type'] != 'markdown': continue
        prose = strip_prose(''.join(c['source']))
        for m in NUM.finditer(prose):
            tok = m.group()
            v, d = value(tok)
            if d == 0 and abs(v) < 10: continue                                 # single digits: counts in words
            ok = found(tok, vals, prose[m.end():m.end() + 8])
            ctx = ' '.join(prose[max(0, m.start() - 40):m.end() + 20].split())
            if verbose: print(f"  {'ok ' if ok else 'NO '} {tok!r:12} … {ctx} …")
            if not ok: missing.append(f"{path.name} [{c.get('id')}]: {tok} in “… {ctx} …”")
    return missing

def main():
    args = [a for a in sys.argv[1:] if not a.startswith('-')]
    verbose = '-v' in sys.argv
    paths = [Path(a) for a in args] or sorted((ROOT/'nbs').glob('*.ipynb'))
    missing = [m for p in paths for m in check(p, verbose)]
    for m in missing: print(m)
    print(f"check_numbers: {len(missing)} quoted numbers not printed or asserted in their notebook "
          f"({len(paths)} notebooks)")
    sys.exit(1 if missing else 0)

if __name__ == '__main__': main()
