#!/usr/bin/env python
"""Fill empty msgstr entries of a .po catalogue from ``msgid<TAB>translation`` lines on stdin.

    printf '线索\tLeads\n' | scripts/po_fill.py leads/locale/en/LC_MESSAGES/django.po

Catalogues are written by ``makemessages --no-wrap`` so each msgid is on one line. Entries with
plural forms are filled with the same text in both forms. Fuzzy flags on filled entries are removed.
"""

from __future__ import annotations

import re
import sys


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def main(path: str) -> int:
    pairs = {}
    for line in sys.stdin.read().splitlines():
        if "\t" in line:
            source, target = line.split("\t", 1)
            pairs[source] = target
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    blocks = text.split("\n\n")
    filled = 0
    for i, block in enumerate(blocks):
        m = re.search(r'^msgid "(.+)"$', block, re.M)
        if not m:
            continue
        msgid = m.group(1).replace('\\"', '"').replace("\\\\", "\\")
        if msgid not in pairs:
            continue
        target = escape(pairs[msgid])
        new = re.sub(r'^msgstr ""$', f'msgstr "{target}"', block, flags=re.M)
        new = re.sub(r'^msgstr\[(\d)\] ""$', r'msgstr[\1] "' + target.replace("\\", "\\\\") + '"', new, flags=re.M)
        new = re.sub(r"^#, fuzzy\n", "", new, flags=re.M).replace(", fuzzy", "")
        new = re.sub(r"^#\| msgid .*\n", "", new, flags=re.M)
        if new != block:
            blocks[i] = new
            filled += 1
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n\n".join(blocks))
    print(f"{path}: filled {filled}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
