#!/usr/bin/env python3
"""`nbdev_export`, with the two lines nbdev writes itself at the top of each module held to 120 columns.

    python tools/export.py

Every line of `ddim_nb/` comes from the notebooks' code cells, which are held to 120 characters (ruff's E501,
`ruff.toml`), except two that nbdev composes: the module docstring, the notebook's one-line summary (`> …`) written
on one line however long, and `__all__ = [...]`, whose list nbdev wraps at 120 before putting `__all__ = ` in front.
This runs the same export (nbdev is pinned) with the summary wrapped over several docstring lines and the list
wrapped at 110.
"""
import textwrap

import nbdev.maker
from nbdev.doclinks import nbdev_export


class _Wrap(textwrap.TextWrapper):
    def __init__(self, **kw):
        super().__init__(**{**kw, 'width': 110})


_summary = nbdev.maker._retr_mdoc


def _wrapped_summary(cells) -> str:
    doc = _summary(cells)
    if not doc:
        return doc
    text = doc.strip()[3:-3]
    return '"""' + '\n'.join(textwrap.wrap(text, 114, break_long_words=False, break_on_hyphens=False)) + '"""\n\n'


nbdev.maker.TextWrapper = _Wrap
nbdev.maker._retr_mdoc = _wrapped_summary

if __name__ == '__main__':
    nbdev_export()
