#!/usr/bin/env python3
"""pipeline_report.py - the measuring half of bench/bench_pipeline.sh.

Subcommands (all read the service's Prometheus text from /metrics):

  watch URL WANT TIMEOUT INTERVAL SAMPLES PIDS
      Scrape URL every INTERVAL seconds until WANT events are both counted in
      (mentionsift_events_in_total) and completed, i.e. every output
      acknowledged (mentionsift_processing_latency_seconds_count), with no
      consumer lag and no change for 1.2 s (the lag gauge is refreshed once
      a second; a rebalance can make the service process some events twice),
      or TIMEOUT seconds pass. PIDS: "SERVICE[,BROKER]" process ids whose CPU time is
      read from /proc with each sample (0: none). Writes every sample to
      SAMPLES and prints shell assignments:
        rate      events/s: completed events per second over the steady
                  state: consecutive sample pairs taken with every worker
                  assigned (mentionsift_ready 1) whose completed count
                  overlaps 10%..90% of WANT;
        n_window, window_s, stalled_s  pairs and seconds in that window, and
                  the seconds in it in which neither counter moved (kept);
                  coarse=1 if fewer than 5 pairs or 0.3 s (rate is then the
                  drain rate);
        drain     WANT / (first sample with the final count completed -
                  first event in, the midpoint of the last sample with none
                  in and the next): the whole drain, start-up and tail
                  included;
        svc_cpu, brk_cpu  cores used by those processes over the window
                  (from its first to its last sample);
        ok, events_in, completed; dup = completed - WANT (events processed twice).
      Exit status 1 on timeout, or when the service is gone.

  latency BEFORE AFTER
      p50 and p99 in ms of the events completed between two scrapes (bucket
      counts subtracted), by linear interpolation inside the bucket, as
      Prometheus' histogram_quantile does. Prints shell assignments
      lat_n, p50_ms, p99_ms (p = ">30000" if it falls in the +Inf bucket).

  table RESULTS FIREHOSE
      The results table from the tab-separated lines bench_pipeline.sh
      collects (one per run), ratio = classify / passthrough events/s for the
      same broker and workers, then the firehose's produce rate per broker.
"""
import math
import os
import re
import sys
import textwrap
import time
import urllib.request

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')


def parse(text):
    """Prometheus text -> {(name, labels): value}."""
    out = {}
    for line in text.splitlines():
        if not line or line[0] == '#':
            continue
        m = LINE.match(line)
        if m:
            try:
                out[(m.group(1), m.group(2) or '')] = float(m.group(3))
            except ValueError:
                pass
    return out


def scrape(url):
    with urllib.request.urlopen(url, timeout=2) as r:
        return r.read().decode('utf-8', 'replace')


def val(m, name, labels=''):
    return m.get((name, labels), 0.0)


H = 'mentionsift_processing_latency_seconds'
SETTLE = 1.2  # seconds without change before a drain counts as complete


def cpu_ticks(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    except (OSError, ValueError, IndexError):
        return None


def alive(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except (OSError, IndexError):
        return False


def cmd_watch(url, want, timeout, interval, samples_path, pids):
    want, timeout, interval = int(want), float(timeout), float(interval)
    pids = [int(p) for p in pids.split(',') if p.strip()] + [0, 0]
    svc_pid, brk_pid = pids[0], pids[1]
    hz = os.sysconf('SC_CLK_TCK')
    samples = []  # (t, events_in, done, ready, svc_ticks, brk_ticks, lag)
    t0 = time.monotonic()
    ok = False
    settle_t = settle_done = None
    with open(samples_path, 'w') as f:
        f.write('t\tevents_in\tdone\tready\tsvc_ticks\tbrk_ticks\tlag\n')
        while time.monotonic() - t0 < timeout:
            tick = time.monotonic()
            try:
                m = parse(scrape(url))
            except OSError:
                if svc_pid and not alive(svc_pid):
                    break
                time.sleep(interval)
                continue
            t = time.monotonic() - t0
            s = (t, val(m, 'mentionsift_events_in_total'), val(m, H + '_count'),
                 val(m, 'mentionsift_ready'), cpu_ticks(svc_pid) if svc_pid else None,
                 cpu_ticks(brk_pid) if brk_pid else None, val(m, 'mentionsift_consumer_lag'))
            samples.append(s)
            f.write('%.4f\t%d\t%d\t%d\t%s\t%s\t%d\n' % s)
            # Done: WANT completed, nothing in flight, no lag, and no change for
            # SETTLE seconds (the lag gauge is refreshed once a second). A
            # rebalance can make the service process events twice (at least
            # once), so counts above WANT are possible: wait for them to settle.
            if s[2] >= want and s[1] == s[2] and s[6] == 0:
                if settle_done != s[2]:
                    settle_t, settle_done = t, s[2]
                elif t - settle_t >= SETTLE:
                    ok = True
                    break
            else:
                settle_t = settle_done = None
            time.sleep(max(0.0, interval - (time.monotonic() - tick)))
    if not samples:
        print('ok=0')
        return 1
    last = samples[-1]
    # drain: first event in (midpoint of the bracketing samples) .. the first
    # sample with the final count completed
    t_in = samples[0][0]
    for a, b in zip(samples, samples[1:]):
        if a[1] == 0 and b[1] > 0:
            t_in = (a[0] + b[0]) / 2
    t_end = min(x[0] for x in samples if x[2] >= last[2])
    drain = want / max(t_end - t_in, 1e-9)
    # Steady state: consecutive sample pairs taken with every worker assigned
    # whose completed count overlaps 10%..90% of WANT: start-up and tail are
    # left out. Pairs in which neither counter moved are kept (a consumer
    # that pauses mid-drain pauses in a long stream too) and their time is
    # reported; completions arrive in bursts (acknowledgements, the 50 ms
    # offset store), hence pairs rather than single samples.
    pairs = [(a, b) for a, b in zip(samples, samples[1:])
             if a[3] >= 1 and b[2] > 0.1 * want and a[2] < 0.9 * want]
    win_t = sum(b[0] - a[0] for a, b in pairs)
    stalled = sum(b[0] - a[0] for a, b in pairs if b[1] == a[1] and b[2] == a[2])
    coarse = len(pairs) < 5 or win_t < 0.3
    rate = drain if coarse else sum(b[2] - a[2] for a, b in pairs) / win_t

    def cores(col):
        pts = [p for a, b in pairs for p in (a, b) if p[col] is not None]
        if len(pts) < 2 or pts[-1][0] <= pts[0][0]:
            return '-'
        return '%.2f' % ((pts[-1][col] - pts[0][col]) / hz / (pts[-1][0] - pts[0][0]))

    print('ok=%d' % ok)
    print('rate=%.0f' % rate)
    print('drain=%.0f' % drain)
    print('n_window=%d' % len(pairs))
    print('window_s=%.2f' % win_t)
    print('stalled_s=%.2f' % stalled)
    print('coarse=%d' % coarse)
    print('svc_cpu=%s' % cores(4))
    print('brk_cpu=%s' % cores(5))
    print('events_in=%d' % last[1])
    print('completed=%d' % last[2])
    print('dup=%d' % max(0, last[2] - want))
    return 0 if ok else 1


def buckets(m):
    out = []
    for (name, labels), v in m.items():
        if name != H + '_bucket':
            continue
        le = re.search(r'le="([^"]+)"', labels).group(1)
        out.append((math.inf if le == '+Inf' else float(le), v))
    out.sort()
    return out


def quantile(q, bs):
    """histogram_quantile: linear interpolation inside the bucket."""
    total = bs[-1][1] if bs else 0
    if total <= 0:
        return None
    rank = q * total
    prev_le, prev_c = 0.0, 0.0
    for le, c in bs:
        if c >= rank:
            if le == math.inf:
                return math.inf
            if c == prev_c:
                return le
            return prev_le + (le - prev_le) * (rank - prev_c) / (c - prev_c)
        prev_le, prev_c = le, c
    return math.inf


def cmd_latency(before_path, after_path):
    b = dict(buckets(parse(open(before_path).read())))
    a = buckets(parse(open(after_path).read()))
    delta = [(le, c - b.get(le, 0.0)) for le, c in a]
    n = delta[-1][1] if delta else 0
    print('lat_n=%d' % n)
    for name, q in (('p50_ms', 0.5), ('p99_ms', 0.99)):
        v = quantile(q, delta)
        if v is None:
            print('%s=-' % name)
        elif v == math.inf:
            print('%s=">%g"' % (name, delta[-2][0] * 1000))
        else:
            print('%s=%.1f' % (name, v * 1000))
    return 0


def num(x):
    try:
        return float(x)
    except ValueError:
        return None


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def cmd_table(path, firehose_path):
    """results: broker workers mode rate p50 p99 drain svc_cpu brk_cpu load notes,
    one line per run; repeats of a (broker, workers, mode) are shown as the
    median, with the range of events/s in the notes."""
    groups = {}
    for l in open(path):
        if not l.strip():
            continue
        r = (l.rstrip('\n').split('\t') + ['-'] * 11)[:11]
        groups.setdefault((r[0], r[1], r[2]), []).append(r)
    fh = {}
    for l in open(firehose_path):
        if l.strip():
            f = l.rstrip('\n').split('\t') + ['']
            fh[f[0]] = (float(f[1]), f[2], f[3], f[4])

    def fmt_num(x, spec):
        return '-' if x is None else spec % x

    def fmt_ms(rows, col):
        vals = [r[col] for r in rows]
        m = median(num(v) for v in vals)
        if m is not None:
            return '%.1f' % m
        return next((v for v in vals if v not in ('', '-')), '-')  # e.g. ">30000"

    agg = {}
    for key, rows in groups.items():
        rates = [num(r[3]) for r in rows]
        notes = sorted({r[10] for r in rows if r[10] not in ('', '-')})
        ok_rates = [x for x in rates if x is not None]
        if len(rows) > 1 and ok_rates:
            notes.insert(0, 'n=%d, %.0f..%.0f' % (len(rows), min(ok_rates), max(ok_rates)))
        agg[key] = dict(rate=median(rates), p50=fmt_ms(rows, 4), p99=fmt_ms(rows, 5),
                        drain=median(num(r[6]) for r in rows),
                        svc=median(num(r[7]) for r in rows), brk=median(num(r[8]) for r in rows),
                        load=median(num(r[9]) for r in rows), notes='; '.join(notes))
    fmt = '%-6s %7s  %-11s %9s %6s %7s %7s %9s %7s %7s %5s  %s'
    print(fmt % ('broker', 'workers', 'mode', 'events/s', 'ratio', 'p50_ms', 'p99_ms', 'drain/s',
                 'svc_cpu', 'brk_cpu', 'load', 'notes'))
    for (broker, workers, mode), a in agg.items():
        ratio = '-'
        if mode == 'classify':
            base = agg.get((broker, workers, 'passthrough'), {}).get('rate')
            if base and a['rate']:
                ratio = '%.2f' % (a['rate'] / base)
        print(fmt % (broker, workers, mode, fmt_num(a['rate'], '%.0f'), ratio, a['p50'], a['p99'],
                     fmt_num(a['drain'], '%.0f'), fmt_num(a['svc'], '%.2f'),
                     fmt_num(a['brk'], '%.2f'), fmt_num(a['load'], '%.1f'), a['notes']))
    print()
    for broker, (fr, topics, parts, total) in fh.items():
        best = max((a['rate'] or 0 for k, a in agg.items()
                    if k[0] == broker and k[2] == 'passthrough'), default=0)
        line = ('%s: input %s topic(s), %s partitions%s; firehose produce rate, alone with the '
                'broker: %.0f events/s' % (broker, topics, parts,
                                           ' (passthrough: %s events in all)' % total
                                           if total and broker == 'kafka' else '', fr))
        if best and best > fr:
            line += ('; the passthrough service drains %.1fx faster than the firehose fills, '
                     'so a produce-while-consume run would have measured the producer: hence '
                     'the pre-produced input' % (best / fr))
        elif best:
            line += ('; the passthrough service drains at %.2fx the firehose rate'
                     % (best / fr))
        print(textwrap.fill(line, 100, subsequent_indent='  ', break_on_hyphens=False))
    if 'mock' in fh or any(k[0] == 'mock' for k in agg):
        print(textwrap.fill('mock: it holds a Fetch that finds no data for the whole fetch.wait.max.ms (500 ms '
              'by default) even when data arrives meanwhile, and returns one message set per '
              'partition per Fetch (librdkafka rdkafka_mock_handlers.c): its latencies and its '
              'passthrough rate are bounded by the mock, not by the service; read kafka\'s',
                            100, subsequent_indent='  ', break_on_hyphens=False))
    print(textwrap.fill('events/s: completed events (all outputs acknowledged) per second between 10%% and 90%% '
          'of the drain; ratio: classify / passthrough; p50/p99: latency at a fixed input rate '
          'after the drain; drain/s: the whole drain, start-up and tail included; svc_cpu, '
          'brk_cpu: cores used by the service and the broker (this machine has %d); load: '
          '1-minute load average (other jobs share the machine)' % os.cpu_count(), 100,
                        subsequent_indent='  ', break_on_hyphens=False))
    return 0


def main(argv):
    cmds = {'watch': (cmd_watch, 6), 'latency': (cmd_latency, 2), 'table': (cmd_table, 2)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        sys.stderr.write(__doc__)
        return 2
    return cmds[argv[1]][0](*argv[2:])


if __name__ == '__main__':
    sys.exit(main(sys.argv))
