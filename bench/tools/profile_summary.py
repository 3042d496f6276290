#!/usr/bin/env python3
"""Summarise a dotnet-trace CPU profile exported as speedscope JSON: the time spent under a root
frame (e.g. HostCall.Invoke, the entry of every MlScript.Call), by method, exclusive and inclusive.

    dotnet-trace collect --profile dotnet-common,dotnet-sampled-thread-time -o w2.nettrace -- \
        <bench binary> --rows 1000000 --workloads W2 --engines mldb
    dotnet-trace convert w2.nettrace --format Speedscope -o w2      # writes w2.speedscope.json
    python3 bench/tools/profile_summary.py w2.speedscope.json HostCall.Invoke 30

Time the thread spent parked in Thread.PollGC (suspended for a collection or for the sampler
itself) is counted apart: the bench's GC-pause column measures collections directly.
"""
import collections, json, re, sys

PSEUDO = ("CPU_TIME", "UNMANAGED_CODE_TIME")


def short(name):
    name = re.sub(r"\(.*$", "", name)            # drop the parameter list
    name = name.replace("MlDb.Language!MlDb.Language.", "").replace("Runtime.", "")
    return name


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: profile_summary.py TRACE.speedscope.json ROOT_SUBSTRING [TOP]")
    path, root = sys.argv[1], sys.argv[2]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    data = json.load(open(path))
    frames = [f["name"] for f in data["shared"]["frames"]]
    exclusive, inclusive = collections.Counter(), collections.Counter()
    total = parked = 0.0
    for profile in data["profiles"]:
        stack, last = [], None
        for event in profile["events"]:
            at = event["at"]
            if last is not None and stack:
                names = [frames[i] for i in stack if not frames[i].startswith(PSEUDO)]
                start = next((k for k, n in enumerate(names) if root in n), None)
                if start is not None and names:
                    span = at - last
                    if "PollGC" in names[-1]:
                        parked += span
                    else:
                        total += span
                        exclusive[short(names[-1])] += span
                        for n in set(short(n) for n in names[start:]):
                            inclusive[n] += span
            last = at
            if event["type"] == "O":
                stack.append(event["frame"])
            elif stack and stack[-1] == event["frame"]:
                stack.pop()
            elif event["frame"] in stack:
                stack.remove(event["frame"])
    print(f"time under '{root}': {total:.0f} ms (plus {parked:.0f} ms parked in Thread.PollGC, left out)")
    for title, counter in (("exclusive", exclusive), ("inclusive", inclusive)):
        print(f"-- {title} --")
        for name, span in counter.most_common(top):
            print(f"{100 * span / total:6.1f}%  {name}")


if __name__ == "__main__":
    main()
