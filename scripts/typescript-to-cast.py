#!/usr/bin/env python3
"""script(1) typescript + classic timing file -> asciinema v2 cast on stdout."""
import codecs, json, sys

timing, typescript, width, height = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
data = open(typescript, 'rb').read()
# script(1) writes a "Script started on ..." line first.
if data.startswith(b'Script started'):
    data = data[data.index(b'\n') + 1:]
print(json.dumps({"version": 2, "width": width, "height": height,
                  "env": {"TERM": "xterm-256color", "SHELL": "/bin/sh"},
                  "title": "warroom demo: expand, an error spike, a guard pause, a rollback"}))
dec = codecs.getincrementaldecoder('utf-8')('replace')
t, pos = 0.0, 0
for line in open(timing):
    parts = line.split()
    if len(parts) != 2:
        continue
    delay, n = float(parts[0]), int(parts[1])
    t += delay
    text = dec.decode(data[pos:pos + n])
    pos += n
    if text:
        print(json.dumps([round(t, 6), "o", text]))
