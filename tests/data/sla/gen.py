#!/usr/bin/env python3
"""Generates a synthetic chat event log in kefu-sla's input format.

Deterministic for a given seed. Chats follow the product's shape: a buyer
message, a queue notice, an assignment, the greeting, then a few buyer/agent
exchanges with mostly quick and occasionally slow answers, the odd transfer,
and a close (some chats are left open). A quarter of the merchants get office
hours so the replay exercises the service-hours arithmetic.
"""

import argparse
import json
import random
import sys

MONDAY = 1_793_548_800_000  # 2026-11-02 00:00 +08:00
SEC = 1000
DAY = 86_400_000


def reply_delay(rng):
    r = rng.random()
    if r < 0.70:
        return rng.randint(1 * SEC, 30 * SEC)
    if r < 0.90:
        return rng.randint(30 * SEC, 180 * SEC)
    if r < 0.97:
        return rng.randint(180 * SEC, 600 * SEC)
    return rng.randint(600 * SEC, 3 * 3600 * SEC)


def merchants_config(merchants):
    config = {}
    for i, m in enumerate(merchants):
        if i % 4 == 0:
            config[m] = {
                "service_hours": {
                    "days": [1, 2, 3, 4, 5],
                    "intervals": [["09:00", "12:00"], ["13:30", "18:00"]],
                }
            }
        elif i % 4 == 1:
            config[m] = {"thresholds": {"reply_s": 45, "first_s": 90}}
    return config


def generate(chats, seed, out):
    rng = random.Random(seed)
    merchants = ["m%02d" % i for i in range(20)]
    agents = {m: ["%s-a%02d" % (m, j) for j in range(8)] for m in merchants}
    events = []
    for c in range(chats):
        chat = "c%06d" % c
        m = rng.choice(merchants)
        staff = agents[m]
        t = MONDAY + rng.randrange(7 * DAY)
        add = lambda ts, kind, agent=None: events.append((ts, len(events), chat, m, kind, agent))
        add(t, "buyer")
        add(t + 200, "auto")
        holder = rng.choice(staff)
        t += rng.randint(0, 90 * SEC)
        add(t, "assign", holder)
        add(t, "auto", holder)
        for _ in range(rng.randint(3, 7)):
            if rng.random() < 0.05:
                holder = rng.choice(staff)
                add(t + rng.randint(1, 5 * SEC), "assign", holder)
            t += reply_delay(rng)
            add(t, "agent", holder)
            t += rng.randint(5 * SEC, 120 * SEC)
            add(t, "buyer")
            if rng.random() < 0.3:
                t += rng.randint(1 * SEC, 20 * SEC)
                add(t, "buyer")
        t += reply_delay(rng)
        if rng.random() < 0.9:
            add(t, "agent", holder)
            if rng.random() < 0.9:
                add(t + rng.randint(10 * SEC, 300 * SEC), "close")
    events.sort()
    w = out.write
    for ts, _, chat, m, kind, agent in events:
        line = {"ts": ts, "chat": chat, "merchant": m, "type": kind}
        if agent is not None:
            line["agent"] = agent
        w(json.dumps(line, separators=(",", ":")))
        w("\n")
    return len(events), merchants


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chats", type=int, default=10000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default="-", help="events file (default: stdout)")
    p.add_argument("--merchants-out", help="also write a --merchants file here")
    args = p.parse_args()
    out = sys.stdout if args.out == "-" else open(args.out, "w")
    n, merchants = generate(args.chats, args.seed, out)
    if out is not sys.stdout:
        out.close()
    if args.merchants_out:
        with open(args.merchants_out, "w") as f:
            json.dump(merchants_config(merchants), f, indent=1)
    print("%d chats, %d events" % (args.chats, n), file=sys.stderr)


if __name__ == "__main__":
    main()
