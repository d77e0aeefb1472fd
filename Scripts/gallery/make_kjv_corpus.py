#!/usr/bin/env python3
"""Builds Data/KJV/{train,valid,test}.txt from Debian's bible-kjv packages (run by hand once):

    mkdir -p /tmp/kjv && cd /tmp/kjv && apt-get download bible-kjv-text bible-kjv
    for f in *.deb; do dpkg-deb -x "$f" x; done
    x/usr/bin/bible -p x/usr/lib -l0 "Mat1:1-Rev22:21" > nt.txt
    python3 Scripts/gallery/make_kjv_corpus.py /tmp/kjv/nt.txt

One verse per line, punctuation split from words; Revelation is the test set, James to Jude
the validation set, the rest the training set.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
books, current = [], None
for line in open(sys.argv[1]).read().split("\n"):
    heading = re.match(r"^(\S.*?) (\d+)$", line)
    if heading:
        if current is None or current[0] != heading.group(1):
            current = (heading.group(1), [])
            books.append(current)
        continue
    verse = re.match(r"^\s+(\d+) (.*)$", line)
    if verse:
        current[1].append(verse.group(2))
    elif line.strip() and current and current[1]:
        current[1][-1] += " " + line.strip()
valid = {"James", "1 Peter", "2 Peter", "1 John", "2 John", "3 John", "Jude"}
out = {"train": [], "valid": [], "test": []}
for book, verses in books:
    split = "test" if book.startswith("Revelation") else ("valid" if book in valid else "train")
    out[split] += [" ".join(re.sub(r"([.,;:?!()])", r" \1 ", v).split()) for v in verses]
for name, lines in out.items():
    with open(os.path.join(ROOT, "Data", "KJV", f"{name}.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(name, len(lines), "verses")
