#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""hot_text.py --check MAP LIST: fails when a pattern of cmake/hookd-hot-text.ld matches no input
section of the static link whose map (-Wl,-Map) is MAP. Such a pattern is stale (a library or
hookd changed): its code falls back into the unordered text, which costs idle RSS (see that file).
A line marked /* x86_64 */ or /* arm64 */ is checked only in a link for that machine.
"""
import fnmatch
import re
import sys


def input_sections(map_path):
    """(section, file, archive member or None) of every code input section the link placed."""
    with open(map_path) as f:
        text = f.read()
    text = text[text.find("Linker script and memory map"):]
    out = set()
    # " .text.x  0xADDR 0xSIZE /path/lib.a(member.o)", the name alone on its line when it is long.
    for m in re.finditer(r"^ (\.text\S*)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S[^\n]*)$", text, re.M):
        if int(m.group(2), 16):
            src = re.match(r"^(.*?)(?:\(([^()]+)\))?$", m.group(3).strip())
            out.add((m.group(1), src.group(1), src.group(2)))
    return out, ("aarch64" in text)


def patterns(list_path, arm64):
    """(file pattern, section patterns, excluded files, text) of each input section description."""
    with open(list_path) as f:
        lines = f.read().split("\n")
    body = []
    for line in lines:
        mark = re.search(r"/\*\s*(x86_64|arm64)\s*\*/", line)
        if mark and (mark.group(1) == "arm64") != arm64:
            continue  # another machine's line
        body.append(line)
    text = re.sub(r"/\*.*?\*/", "", "\n".join(body), flags=re.S)
    text = text[text.index(".text.hookd_hot"):]
    for m in re.finditer(r"(?:EXCLUDE_FILE\(([^)]*)\)\s*)?([^\s(){}:;]*:?[^\s(){};]*)\(([^)]*)\)", text):
        if m.group(2):
            yield m.group(2), m.group(3).split(), (m.group(1) or "").split(), m.group(0)


def matches(fpat, spats, excl, section):
    name, path, member = section
    if not any(fnmatch.fnmatchcase(name, s) for s in spats):
        return False
    if member and any(fnmatch.fnmatchcase(member, e) for e in excl):
        return False
    if ":" in fpat:  # archive:member, as ld reads it
        archive, mpat = fpat.split(":", 1)
        return member is not None and fnmatch.fnmatchcase(path, archive or "*") and fnmatch.fnmatchcase(member, mpat or "*")
    return fnmatch.fnmatchcase(path if member is None else member, fpat) or fnmatch.fnmatchcase(path, fpat)


def check(map_path, list_path):
    sections, arm64 = input_sections(map_path)
    pats = list(patterns(list_path, arm64))
    dead = [p[3] for p in pats if not any(matches(p[0], p[1], p[2], s) for s in sections)]
    print(f"hot-text: {len(pats) - len(dead)} of {len(pats)} patterns of {list_path} match this link")
    for d in dead:
        print(f"hot-text: stale, matches nothing: {d}", file=sys.stderr)
    return 1 if dead else 0


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "--check":
        sys.exit("usage: hot_text.py --check MAP LIST")
    sys.exit(check(sys.argv[2], sys.argv[3]))
