"""Print, field by field, what differs between two snapshots of tools/snapshot_findings.py (all keys, or KEY...)."""

import json, sys
old = json.load(open(sys.argv[1])); new = json.load(open(sys.argv[2]))
def walk(a, b, path):
    if type(a) != type(b):
        print(path, repr(a)[:200], '->', repr(b)[:200]); return
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            walk(a.get(k), b.get(k), f"{path}.{k}")
    elif isinstance(a, list):
        if len(a) != len(b) and all(isinstance(x, dict) and 'rule' in x for x in a + b):
            ra = sorted(json.dumps(x, sort_keys=True) for x in a); rb = sorted(json.dumps(x, sort_keys=True) for x in b)
            for x in set(ra) - set(rb): print(path, '-', x[:300])
            for x in set(rb) - set(ra): print(path, '+', x[:300])
            return
        for i, (x, y) in enumerate(zip(a, b)):
            walk(x, y, f"{path}[{i}]")
        if len(a) != len(b): print(path, 'len', len(a), '->', len(b))
    elif a != b:
        print(path, repr(a)[:200], '->', repr(b)[:200])
for key in sys.argv[3:] or sorted(set(old) | set(new)):
    if old.get(key) != new.get(key):
        walk(old.get(key), new.get(key), key)
