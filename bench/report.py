#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Makes bench/RESULTS.md and the chart from two benchmark console logs.

The logs hold the "rspl-bench: CASE key=value ..." lines rspl_bench.ko
prints: one run under -icount shift=0 (the guest clock counts
instructions, so its nanoseconds are instructions) and one plain TCG run
(wall-clock nanoseconds: the median of several repetitions, with the
smallest and the largest). Every figure is also given as a ratio to SLUB
measured in the same run.
"""
import argparse
import datetime
import os
import re
import sys

LINE = re.compile(r'rspl-bench: (\w+) (.*)$')
KERNEL = re.compile(r'Linux version (\S+)')
# The object sizes of the cases and rspl's slab limit (objects up to it
# pass through to a Linux cache): from the bench module's `setup` line,
# which takes them from bench/cases.c and the running rspl.ko.
SIZES = []
# OpenZFS's SPL joins them when spl.ko was loaded (main() adds it).
ALLOCS = ['rspl', 'slub', 'kmalloc']
SLAB_LIMIT = 0


def parse(path):
    """Returns ({case: [record]}, kernel version) of one console log."""
    cases, kernel = {}, '?'
    with open(path, errors='replace') as f:
        for line in f:
            m = KERNEL.search(line)
            if m:
                kernel = m.group(1)
            m = LINE.search(line)
            if not m:
                continue
            rec = {}
            for kv in m.group(2).split():
                k, _, v = kv.partition('=')
                rec[k] = int(v) if re.fullmatch(r'-?\d+', v) else v
            cases.setdefault(m.group(1), []).append(rec)
    return cases, kernel


def find(cases, case, alloc, size):
    for r in cases.get(case, []):
        if r.get('alloc') == alloc and r.get('size') == size:
            return r
    return None


def human(size):
    if size >= 1 << 20:
        return f'{size >> 20} MiB'
    if size >= 1 << 10:
        return f'{size >> 10} KiB'
    return f'{size} B'


def ratio(x, base):
    return f'{x / base:.2f}' if base else '-'


def time_table(icount, plain, case, title):
    """Instructions (icount run) and wall-clock (plain run) per pair."""
    out = [f'### {title}', '',
           '| size | n | ' + ' | '.join(
               f'{a} instr | {a} ns (min-max) | {a}/SLUB' for a in ALLOCS) + ' |',
           '|---|---|' + '---|---|---|' * len(ALLOCS)]
    for size in SIZES:
        base_i = find(icount, case, 'slub', size)
        base_p = find(plain, case, 'slub', size)
        any_rec = base_i or base_p
        if not any_rec:
            continue
        cells = [human(size), str(any_rec['n'])]
        for a in ALLOCS:
            ri, rp = find(icount, case, a, size), find(plain, case, a, size)
            instr = ri['ns_x100'] / 100 if ri else None
            ns = rp['ns_x100'] / 100 if rp else None
            cells.append(f'{instr:.0f}' if instr is not None else '-')
            cells.append(f'{ns:.0f} ({rp["min_x100"] / 100:.0f}-{rp["max_x100"] / 100:.0f})'
                         if rp else '-')
            parts = []
            if ri and base_i:
                parts.append(ratio(ri['ns_x100'], base_i['ns_x100']) + ' instr')
            if rp and base_p:
                parts.append(ratio(rp['ns_x100'], base_p['ns_x100']) + ' time')
            cells.append(', '.join(parts) or '-')
        out.append('| ' + ' | '.join(cells) + ' |')
    return out + ['']


def memory_table(cases):
    out = ['### Memory per live object', '',
           'Bytes per object with n objects live, from each allocator\'s own '
           'accounting: the kernel\'s slab page counters (`Slab` in '
           '`/proc/meminfo`) for Linux caches, an rspl pass-through cache\'s '
           'included; '
           '`rspl_kmem_cache_entry_size()` for rspl\'s own slabs; the page '
           'order for `kmalloc()` above 8 KiB; the free pages taken for the '
           'SPL\'s own slabs (`kvmalloc()` and `vmalloc()`, which the slab '
           'counters miss). In brackets: free pages lost '
           'per object (`NR_FREE_PAGES` before and after), which misses pages '
           'that go through the per-CPU page lists, so small objects can show 0, '
           'and counts pages that anything else in the guest frees meanwhile, '
           'so a figure can come out below the object size.', '',
           '| size | n | ' + ' | '.join(
               f'{a} bytes (free pages) | {a}/size' for a in ALLOCS) + ' | rspl/SLUB |',
           '|---|---|' + '---|---|' * len(ALLOCS) + '---|']
    for size in SIZES:
        rows = {a: find(cases, 'memory', a, size) for a in ALLOCS}
        if not any(rows.values()):
            continue
        n = next(r['n'] for r in rows.values() if r)
        cells = [human(size), str(n)]
        for a in ALLOCS:
            r = rows[a]
            cells.append(f'{r["counter_bytes"]} ({r["meminfo_bytes"]})' if r else '-')
            cells.append(ratio(r['counter_bytes'], size) if r else '-')
        rs, sl = rows['rspl'], rows['slub']
        cells.append(ratio(rs['counter_bytes'], sl['counter_bytes']) if rs and sl else '-')
        out.append('| ' + ' | '.join(cells) + ' |')
    return out + ['']


def caches_table(icount, plain):
    """A pair and a whole read of the cache report as caches pile up."""
    rows = [(r, find_n(plain, 'caches', r['alloc'], r['n'])) for r in icount.get('caches', [])]
    if not rows:
        return []
    out = ['### As caches pile up', '',
           'With N caches of 128 KiB objects alive, a pair on one of them and a '
           'whole read of the allocator\'s `/proc/.../kmem/slab` (rspl\'s is '
           '`/proc/rspl/kmem/slab` here, as OpenZFS\'s `spl.ko` holds `/proc/spl`); '
           'instructions from the icount boot, time from the plain one.', '',
           '| allocator | caches | pair instr | pair ns | read instr | read µs |',
           '|---|---|---|---|---|---|']
    for r, p in rows:
        out.append(f'| {r["alloc"]} | {r["n"]} | {r["ns_x100"] / 100:.0f} | '
                   + (f'{p["ns_x100"] / 100:.0f}' if p else '-') + ' | '
                   + (f'{r["read_ns"]:,}' if r['read_ns'] else '-') + ' | '
                   + (f'{p["read_ns"] / 1000:.0f}' if p and p['read_ns'] else '-') + ' |')
    return out + ['', 'The SPL\'s `/proc/spl/kmem/slab` cannot be read from a kernel module '
                  '(`kernel_read()` refuses a file whose `proc_ops` give `proc_read`, as '
                  'the SPL\'s do), so its read and its rows are not shown.', '']


def emergencies_table(icount, plain):
    """A pair while N emergency objects are live, rspl and the SPL."""
    recs = icount.get('emergencyn', [])
    if not recs:
        return []
    out = ['### As emergency objects pile up', '',
           'A `KM_NOSLEEP` alloc+free pair of a 256 B cache on its allocator\'s own '
           'slabs, which has none: both take an emergency object at once. '
           'rspl\'s grow is held up past the case (fault injection); the '
           'SPL starts none. `slabs` and `emergency` are what the cache\'s report '
           'showed (a grow that landed would show). Chart: '
           '[emergency.png](emergency.png).', '',
           '| N live | rspl instr | rspl ns | rspl slabs, emergency | spl instr | spl ns | spl slabs, emergency |',
           '|---|---|---|---|---|---|---|']
    for n in sorted({r['n'] for r in recs}):
        cells = [f'{n:,}']
        for a in ('rspl', 'spl'):
            ri, rp = find_n(icount, 'emergencyn', a, n), find_n(plain, 'emergencyn', a, n)
            cells += [f'{ri["ns_x100"] / 100:.0f}' if ri else '-',
                      f'{rp["ns_x100"] / 100:.0f}' if rp else '-',
                      f'{ri["slabs"]}, {ri["emergency"]}' if ri and ri['slabs'] >= 0 else '-']
        out.append('| ' + ' | '.join(cells) + ' |')
    return out + ['']


def emergencies_chart(icount, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for a in ('rspl', 'spl'):
        rs = sorted((r for r in icount.get('emergencyn', []) if r.get('alloc') == a),
                    key=lambda r: r['n'])
        if rs:
            ax.plot([r['n'] for r in rs], [max(r['ns_x100'] / 100, 1) for r in rs],
                    marker='o', label=a)
    ax.set_xscale('log')
    ax.set_yscale('log')
    ax.set_xlabel('emergency objects live')
    ax.set_ylabel('instructions per KM_NOSLEEP alloc+free pair')
    ax.set_title('A pair as emergency objects pile up (QEMU -icount)')
    ax.grid(True, which='both', alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def find_n(cases, case, alloc, n):
    for r in cases.get(case, []):
        if r.get('alloc') == alloc and r.get('n') == n:
            return r
    return None


def emergency_table(icount, plain):
    out = ['### Emergency path', '',
           'Every slab grow held up 200 ms (fault injection) against a 100 ms '
           'grow timeout; each round, a `KM_SLEEP` allocation of a 128 KiB '
           'object misses, waits and takes an emergency object. The time of '
           'the allocation is its wait.', '',
           '| run | rounds | p50 | p99 | max | timeout | max / timeout | rspl\'s own longest sleep |',
           '|---|---|---|---|---|---|---|---|']
    for name, cases in (('icount', icount), ('plain', plain)):
        for r in cases.get('emergency', []):
            out.append(f'| {name} | {r["n"]} | {r["p50_us"] / 1000:.1f} ms | '
                       f'{r["p99_us"] / 1000:.1f} ms | {r["max_us"] / 1000:.1f} ms | '
                       f'{r["timeout_ms"]} ms | {r["max_us"] / 1000 / r["timeout_ms"]:.3f} | '
                       f'{r["rspl_sleep_max_us"] / 1000:.1f} ms |')
    return out + ['']


def fast_path_listing(path):
    """Each C API function of `path` (an `objdump -dr` of rspl.ko's alloc
    and free) as its instructions, relocations noted, and the hit paths
    through them (`hit_paths`)."""
    funcs, name = {}, None
    with open(path) as f:
        for line in f:
            m = re.match(r'^[0-9a-f]+ <(\w+)>:$', line)
            if m:
                name = m.group(1)
                funcs[name] = []
                continue
            if not name:
                continue
            m = re.match(r'^\s+[0-9a-f]+: (R_X86_64\w*)\s+(\S+)', line)
            if m and funcs[name]:
                # A relocation: the target of the instruction above.
                addr, text = funcs[name][-1]
                funcs[name][-1] = (addr, f'{text}  # {m.group(2)}')
                continue
            m = re.match(r'^\s+([0-9a-f]+):\s+(.*\S)\s*$', line)
            if m:
                funcs[name].append((int(m.group(1), 16), re.sub(r'\s+', ' ', m.group(2))))
    return {f: hit_paths(insns) for f, insns in funcs.items()}


REG_FAMILY = re.compile(r'%(r(\d+)[dwb]?|[re]?([abcd])[xlh]|[re]?(si|di|bp|sp)l?)$')


def reg_name(op):
    """The 64-bit register an AT&T operand names (`%cl` -> `c`), if any."""
    m = REG_FAMILY.match(op.strip())
    if not m:
        return None
    return m.group(2) or m.group(3) or m.group(4)


def hit_paths(insns):
    """The paths from the entry to a return that take no call and no jump
    out of the function (its slow paths are out of line): the fast path's
    hits. Branches on a register known to be 0 or not (set by `xor` or a
    `mov` of a constant, then tested) go one way only."""
    at = {a: i for i, (a, _) in enumerate(insns)}
    done = []

    def walk(i, path, known, zf):
        while 0 <= i < len(insns) and len(path) < 200:
            addr, text = insns[i]
            path = path + [text]
            op, _, rest = text.partition(' ')
            args = [a.strip() for a in rest.split('#')[0].split(',')] if rest else []
            target = re.match(r'\s*([0-9a-f]+) <', rest)
            target = at.get(int(target.group(1), 16)) if target else None
            if op == 'ret' or (op == 'jmp' and '__x86_return_thunk' in text):
                done.append(path)
                return
            if op.startswith('call') or (op == 'jmp' and target is None):
                return
            if op == 'jmp':
                i = target
                continue
            if op in ('je', 'jne'):
                if target is None:
                    return
                if zf is None:
                    walk(target, path, known, None)
                    i += 1
                    continue
                taken = zf if op == 'je' else not zf
                i = target if taken else i + 1
                zf = None
                continue
            if op.startswith('j'):
                if target is not None:
                    walk(target, path, known, None)
                i += 1
                zf = None
                continue
            # What the instruction leaves known: a register it writes, and
            # ZF after a `test` of a known register with itself.
            known = dict(known)
            dst = reg_name(args[-1]) if args else None
            if op == 'test' and len(args) == 2 and reg_name(args[0]) == reg_name(args[1]) \
                    and reg_name(args[0]) in known:
                zf = known[reg_name(args[0])] == 0
            elif op.startswith(('mov', 'incl', 'decl', 'movb', 'movl')) and dst is None:
                pass  # a store: flags as they were (mov) or unknown (inc/dec)
            else:
                zf = None
            if op.startswith(('inc', 'dec')):
                zf = None
            if dst:
                if op.startswith('xor') and reg_name(args[0]) == dst:
                    known[dst] = 0
                elif op.startswith('mov') and args[0].startswith('$'):
                    known[dst] = int(args[0][1:], 0)
                else:
                    known.pop(dst, None)
            i += 1

    walk(0, [], {}, None)
    return done


def targets(icount, plain, noinit, listing):
    """Issue 15's targets, judged on the init_on_alloc=0 boot (`noinit`,
    icount and plain), the distribution-default boot beside them."""
    out = ['## Where rspl stands against the targets', '']
    judged = noinit[0] if noinit else icount
    boot = '`init_on_alloc=0`' if noinit else '`init_on_alloc=1` (no `init_on_alloc=0` boot ran)'
    out += [f'Judged on the {boot} icount boot, where no allocator zeroes '
            'objects; instructions per alloc+free pair, or per object for '
            'batches. The figures with the distribution\'s default '
            '(`init_on_alloc=1`) follow each.', '']
    own = [s for s in SIZES if s > SLAB_LIMIT]
    passed = [s for s in SIZES if s <= SLAB_LIMIT]
    lines, missed = [], set()

    def fig(cases, case, alloc, size):
        r = find(cases, case, alloc, size)
        return r['ns_x100'] / 100 if r else None

    def line(kind, what, ok, target, extra=''):
        if not ok:
            missed.add(kind)
        lines.append(f'- {what}: {"met" if ok else "missed"} (target: {target}){extra}.')

    def default_boot(case, size):
        r, s = fig(icount, case, 'rspl', size), fig(icount, case, 'slub', size)
        if noinit and r is not None and s is not None:
            return f'; with `init_on_alloc=1` rspl {r:.0f}, SLUB {s:.0f}'
        return ''

    for case, cpus in (('pair', 'one CPU'), ('pair2cpu', 'two CPUs')):
        for size in own:
            r, s, p = (fig(judged, case, a, size) for a in ('rspl', 'slub', 'spl'))
            if r is None or s is None:
                continue
            ok = r <= 0.5 * s and (p is None or r < p)
            spl = f', SPL {p:.0f}' if p is not None else ''
            line('own', f'Pair on rspl\'s own slabs, {human(size)}, {cpus}: rspl {r:.0f}, '
                 f'SLUB {s:.0f} ({ratio(r, s)}x){spl}', ok,
                 'at most 0.5x SLUB and below the SPL; stretch 60',
                 ('; stretch met' if r <= 60 else '; stretch missed') + default_boot(case, size))
    for size in passed:
        r, s = fig(judged, 'pair', 'rspl', size), fig(judged, 'pair', 'slub', size)
        if r is None or s is None:
            continue
        line('passthrough', f'Pair passed through to a Linux cache, {human(size)}: rspl {r:.0f}, '
             f'SLUB {s:.0f} ({ratio(r, s)}x)', r <= s, 'at most 1.0x SLUB; stretch 0.6x',
             ('; stretch met' if r <= 0.6 * s else '; stretch missed') + default_boot('pair', size))
    for case, count in (('batch1k', '1000'), ('batch100k', '100,000')):
        for size in own:
            r, s = fig(judged, case, 'rspl', size), fig(judged, case, 'slub', size)
            if r is None or s is None:
                continue
            line('batch', f'Batch of {count} (at most 128 MiB) at {human(size)}: rspl {r:.0f} '
                 f'per object, SLUB {s:.0f} ({ratio(r, s)}x)', r <= 2 * s, 'at most 2x SLUB',
                 default_boot(case, size))
    for name, cases in (('icount', icount), ('plain', plain)):
        for r in cases.get('emergency', []):
            ratio_ = r['max_us'] / (r['timeout_ms'] * 1000)
            if name == 'icount':
                line('emergency', f'Emergency path, icount run: longest wait '
                     f'{r["max_us"] / 1000:.1f} ms against a {r["timeout_ms"]} ms timeout '
                     f'({ratio_:.3f})', ratio_ <= 1.02, 'at most timeout + 2 %')
            else:
                lines.append(f'- Emergency path, plain run (wall clock, not judged): longest '
                             f'wait {r["max_us"] / 1000:.1f} ms ({ratio_:.3f} of the timeout).')
    for size in SIZES:
        r, p = find(plain, 'memory', 'rspl', size), find(plain, 'memory', 'spl', size)
        if r and p:
            # Both are counters read around the allocations: a few bytes
            # either way is their noise, not a layout.
            # No allocator holds an object in less than its size: an SPL
            # figure below it is its free-page counter's noise (pages the
            # guest freed meanwhile), and the size is the bar then.
            bar = max(p['counter_bytes'], size)
            line('memory', f'Memory per object, {human(size)}: rspl {r["counter_bytes"]} bytes, '
                 f'SPL {p["counter_bytes"]}' + (f' (below the size: {size} is the bar)'
                                                if p['counter_bytes'] < size else ''),
                 r['counter_bytes'] <= bar * 1.02,
                 'at or below the SPL\'s, within the counters\' 2 %')
    emerg = {a: sorted((r for r in judged.get('emergencyn', []) if r.get('alloc') == a),
                       key=lambda r: r['n']) for a in ('rspl', 'spl')}
    if emerg['rspl']:
        rs = emerg['rspl']
        held = all(r['slabs'] == 0 and r['emergency'] >= r['n'] for r in rs)
        costs = [r['ns_x100'] / 100 for r in rs]
        flat = max(costs) / min(costs) if min(costs) > 0 else float('inf')
        spl = ''
        if emerg['spl']:
            sc = [r['ns_x100'] / 100 for r in emerg['spl']]
            spl = (f'; the SPL {sc[0]:.0f} to {sc[-1]:.0f}'
                   f' ({max(sc) / min(sc):.2f}x)' if min(sc) > 0 else '')
        line('emergency-n', f'A pair while N = {rs[0]["n"]:,} to {rs[-1]["n"]:,} emergency objects '
             f'are live: rspl {costs[0]:.0f} to {costs[-1]:.0f} instructions ({flat:.2f}x '
             f'from least to most){spl}' + ('' if held else
                                           ' (but a grow landed: the cache had slabs)'),
             held and flat <= 1.2, 'flat within 1.2x', '')
        line('emergency-lock', 'No lock on the free of an emergency object: rspl takes the '
             'cache\'s spinlock to take it out of its hash', False, 'no lock on that free path')
    else:
        line('emergency-n', 'A pair\'s cost while N emergency objects are live, N = 10 to '
             '100,000, against the SPL: not measured (no such case in the logs)', False,
             'flat within 1.2x, no lock on the free path')
    many = [r for r in judged.get('caches', []) if r.get('alloc') in ('rspl', 'spl')]
    if many:
        for alloc in ('rspl', 'spl'):
            rs = sorted((r for r in many if r['alloc'] == alloc), key=lambda r: r['n'])
            if rs:
                reads = ', '.join(f'{r["read_ns"]:,}' for r in rs if r['read_ns'])
                lines.append(f'- With 1, 100 and 1,000 caches alive ({alloc}, reported, see the '
                             'table): a pair ' + ', '.join(f'{r["ns_x100"] / 100:.0f}' for r in rs)
                             + ' instructions' + (f'; a whole read of its `/proc/.../kmem/slab` '
                                                  f'{reads} instructions.' if reads else '.'))
    else:
        line('many-caches', '`/proc/spl/kmem/slab` read time and a pair\'s cost with 1, 100 and '
             '1,000 caches alive: not measured (no such case in the logs)', False,
             'reported as N grows')
    out += lines
    if listing:
        out += ['', '### A pair\'s instructions', '',
                'The instructions a hit runs in rspl.ko as built for this kernel '
                '(`objdump -dr`, conditional branches not taken, jumps '
                'followed, to the return), next to the physical limit: a bare '
                'per-CPU pop and push behind an out-of-line C API is about 20 to 26 '
                'instructions (a C pop and push through `gs:` measured on 6.12), '
                'about 45 to 50 with a handle, a flags and a '
                'repeated-free check. The benchmark\'s pair also counts its loop '
                'and takes off the cost of calling empty functions, so the two '
                'differ by a few instructions.', '']
        for fname in ('rspl_kmem_cache_alloc', 'rspl_kmem_cache_free'):
            paths = sorted(listing.get(fname, []), key=len)
            if not paths:
                out += [f'`{fname}`: no hit path found in the listing.', '']
                continue
            lens = sorted({len(p) for p in paths})
            out += [f'`{fname}`: {lens[-1]} instructions on a hit'
                    + (f' (paths of {", ".join(map(str, lens))})' if len(lens) > 1 else '')
                    + '.', '', '```']
            out += [f'  {t}' for t in paths[-1]] + ['```', '']
        out += ['Where they go, per call: the handle (a mask, the page, the '
                'slot: one compare and the cache pointer, about 12); the slow '
                'word and, for allocation, the flags (about 4); preemption off '
                'and on (`incl`/`decl` of `pcpu_hot.preempt_count`, and the '
                'test for a due reschedule: 3); this CPU\'s magazine (the '
                'block\'s offset plus `this_cpu_off`: 3); the held byte (test, '
                'set, clear: 4); the pop or push with its one bounds compare '
                'and, for free, the repeated-free compare (about 8); the '
                'magazine\'s use mark for the aging tick (1); the return.', '']
    why = []
    if 'own' in missed:
        why.append('- **Pairs on rspl\'s own slabs.** See the listing above: what '
                   'is left over the physical limit is the handle check, the '
                   'slow word, the held byte and the repeated-free check, each '
                   'a promise of the C API.')
    if 'passthrough' in missed:
        why.append('- **Pass-through pairs.** The magazine in front of the Linux '
                   'cache is off (KASAN or `init_on_free`), so every pair is '
                   'SLUB\'s plus rspl\'s checks and a shim call.')
    if 'batch' in missed:
        why.append('- **Batches.** A batch that outgrows the cache waits for the '
                   'grow threads, a wakeup round trip per slab.')
    if 'emergency' in missed:
        why.append('- **Emergency path.** The wait is a high-resolution timeout; '
                   'what is over it is the wakeup and the emergency allocation.')
    if 'memory' in missed:
        why.append('- **Memory.** rspl\'s slab bookkeeping is beside the slab; '
                   'a figure over the SPL\'s by more than its counters\' noise '
                   'would be its layout\'s rounding.')
    if 'emergency-n' in missed:
        why.append('- **A pair as emergency objects pile up.** The hash that finds '
                   'them on free grows by doubling, under the cache\'s lock; a '
                   'figure that rises with N is that rehash and the cache misses '
                   'of a larger table.')
    if 'emergency-lock' in missed:
        why.append('- **A lock on the free of an emergency object.** The free '
                   'takes the object out of the cache\'s hash under the cache\'s '
                   'spinlock: O(1), and only for emergency objects (other frees '
                   'go to the magazine while the slow word says that none is '
                   'live), but a lock. What would close it: a hash whose '
                   'removal needs no lock (per-bucket atomics, RCU-freed nodes).')
    if why:
        lines = ['', 'Why the misses, and what would close them:', ''] + why
        out += lines
    return out + ['']


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def pool_logs(paths):
    """{alloc: {'recs': [pool record], 'starts': [pool_start record],
    'hosts': [pool_host record]}} of the pool boots' logs (bench/pool.sh's
    lines, and the host's load that scripts/bench adds), several boots of
    one allocator merged; every log must have finished."""
    out = {}
    for path in paths or []:
        cases, _ = parse(path)
        if not cases.get('pool_done') or not cases.get('pool_start'):
            sys.exit(f'report: the pool run in {path} did not finish')
        run = out.setdefault(cases['pool_start'][0]['alloc'],
                             {'recs': [], 'starts': [], 'hosts': []})
        run['recs'] += cases.get('pool', [])
        run['starts'] += cases['pool_start']
        run['hosts'] += cases.get('pool_host', [])
    return out


# The pool's workloads, in the order of the table: (work, record size).
def pool_work_name(work, rs, rec):
    if work == 'files':
        return f'{rec["files"]} files of 4 KiB'
    return f'one {rec["mib"]} MiB file, {human(rs)} records'


def pool_section(icount, plain):
    """The pool boots: stock OpenZFS against ZFS on rspl."""
    allocs = ('stock', 'rspl')
    if not all(a in runs for runs in (icount, plain) for a in allocs):
        return []
    ic, pl = icount['stock']['starts'][0], plain['stock']['starts'][0]
    one_cpu = all(st['cpus'] == 1 for a in allocs for st in icount[a]['starts'])
    boots = len(plain['stock']['starts'])
    loads = [float(h[k]) for a in allocs for h in plain[a]['hosts']
             for k in ('load_start', 'load_end') if k in h]

    def plural(n, word):
        return f'{n} {word}' + ('' if n == 1 else 's')

    def reps(runs):
        return len(runs['stock']['recs']) // max(1, len({(r['work'], r['rs'])
                                                       for r in runs['stock']['recs']}))

    out = ['## A real pool: stock OpenZFS against ZFS on rspl', '',
           'OpenZFS 2.3 in separate boots of the same `bench` kernel: **stock** '
           '(OpenZFS\'s `spl.ko` and `zfs.ko`; rspl not loaded) and **ZFS on '
           'rspl** (`rspl.ko`, then OpenZFS\'s `spl.ko` built with '
           '`zfs/spl-on-rspl.patch`, whose `spl_kmem_cache_*` forward to '
           'rspl\'s caches, then the same `zfs.ko` binary). The kernel\'s '
           'command line is its default but `kunit.enable=0` (slab caches merged '
           'as usual). The workloads (`bench/pool.sh`), each repetition on a new '
           'pool on a file vdev in the guest\'s RAM (tmpfs), `checksum=sha256`, '
           '`compression=off`, what is written made in tmpfs beforehand:', '',
           '- **one file** of random data, record size 128 KiB or 1 MiB; timed: '
           'the file written in 1 MiB writes and synced (`zpool sync`), the '
           'pool exported and imported (so that the read comes from the vdev, '
           'not the ARC), the file read (`dd` to `/dev/null`);',
           '- **small files** of 4 KiB, record size 128 KiB; timed: unpacked '
           'from a tar and synced, the pool exported and imported, every file '
           'read (`cat`), every file removed and that synced.', '',
           'Untimed, after the read: the memory figures, what was read checked '
           'against its SHA-256; then the pool is destroyed.', '',
           '- **Instructions**: a boot under `-icount shift=0,sleep=off` with ' +
           (f'one vCPU, {plural(reps(icount), "repetition")} of each workload: '
            'the guest clock over the timed part less the CPU\'s idle time '
            '(`/proc/stat`), that is the instructions executed (the clock '
            'advances 1 ns per instruction and jumps over idle time), per MiB '
            'written (the same MiB are read back) or per file; the median, with '
            'the smallest and the largest when there are several. One vCPU, '
            'because the clock advances with every vCPU\'s instructions: with '
            'two, a CPU\'s busy time would also count the other\'s '
            'instructions while both run.'
            if one_cpu else
            f'{ic["cpus"]} vCPUs: the CPUs\' busy time (`/proc/stat`) per MiB '
            'or per file, which overcounts: a CPU\'s busy time also counts the '
            'other\'s instructions while both run.'),
           f'- **Wall clock**: plain TCG boots with {pl["cpus"]} vCPUs, '
           f'{plural(boots, "boot")} of each kind, stock and rspl in turn, '
           f'{plural(reps(plain), "repetition")} of each workload in all: the '
           'guest\'s clock (the host\'s) over the timed part; the median, with '
           'the smallest and the largest. The ratio is of the medians; in '
           'brackets, of the fastest runs. The host\'s other work shows in the '
           'spread' + (f' (its load average: {min(loads):.1f} to {max(loads):.1f} '
                       'during these boots)' if loads else '') + '.',
           '- **Memory**, from the plain boots (the repetition with the median '
           'total), right after the read, before the check and the export: '
           '`Slab:` plus `VmallocUsed:` of `/proc/meminfo`, the pages of every '
           'Linux slab cache, of every `kmalloc()` too large for one, and of '
           'every `vmalloc()` area, the kernel\'s and the modules\' (their code '
           'included) as well as the allocators\'. Stock OpenZFS\'s own slabs '
           'are vmalloc\'d, rspl\'s kvmalloc\'d (kmalloc\'d pages when '
           '`kmalloc()` can, vmalloc\'d otherwise), pass-through caches are '
           'Linux slab caches: whatever the path, a page counts once. In '
           'brackets: the Linux slab caches (`/proc/slabinfo`), the large '
           'kmallocs (`Slab:` less those), vmalloc. Below it: what the '
           'allocator reports for its own slabs (the `size` column of '
           '`/proc/spl/kmem/slab`, summed), the ARC\'s size (its file data is '
           'in scatter pages, outside these figures), and the same total after '
           'the pool is destroyed and, once per boot, before the first pool '
           '(with the modules loaded and the guest idle for 6 s).', '',
           '| workload | figure | stock OpenZFS | ZFS on rspl | rspl/stock |',
           '|---|---|---|---|---|']

    def recs(runs, alloc, key):
        return [r for r in runs[alloc]['recs'] if (r['work'], r['rs']) == key]

    def spread(vals, scale, unit, digits):
        """The median of vals / scale with unit, and the range when several."""
        m = f'{median(vals) / scale:.{digits}f} {unit}'
        if len(vals) == 1:
            return m
        return f'{m} ({min(vals) / scale:.{digits}f}-{max(vals) / scale:.{digits}f})'

    def mib(kib):
        return f'{kib / 1024:.1f} MiB'

    def instr(r, phase):
        if one_cpu:
            return r[phase + 'elapsed_ns'] - r[phase + 'idle_ns']
        return r[phase + 'busy_ns']

    def total(r, p=''):
        return r[p + 'slab_kib'] + r[p + 'vmalloc_kib']

    def median_rec(rs, key):
        """The repetition whose key is the median (the lower of the two
        middle ones when their number is even)."""
        rs = sorted(rs, key=key)
        return rs[(len(rs) - 1) // 2]

    keys = sorted({(r['work'], r['rs']) for a in allocs
                   for r in icount[a]['recs'] + plain[a]['recs']},
                  key=lambda k: (k[0] == 'files', k[1]))
    for key in keys:
        work = key[0]
        ri = {a: recs(icount, a, key) for a in allocs}
        rp = {a: recs(plain, a, key) for a in allocs}
        per = 'file' if work == 'files' else 'MiB'
        unit = (lambda r: r['files']) if work == 'files' else (lambda r: r['mib'])
        phases = [('', f'instructions per {per} (icount)'),
                  ('write_', '&nbsp;&nbsp;of which write and sync'),
                  ('reimport_', '&nbsp;&nbsp;of which export and import'),
                  ('read_', '&nbsp;&nbsp;of which read')]
        if work == 'files':
            phases.append(('remove_', '&nbsp;&nbsp;of which remove and sync'))
        rows = []
        if all(ri.values()):
            scale, u = (1e3, 'k') if work == 'files' else (1e6, 'M')
            for phase, what in phases:
                v = {a: [instr(r, phase) / unit(r) for r in ri[a]] for a in allocs}
                rows.append([what] + [spread(v[a], scale, u, 1) for a in allocs] +
                            [f'{median(v["rspl"]) / median(v["stock"]):.3f}'
                             if median(v['stock']) else '-'])
        if all(rp.values()):
            v = {a: [r['elapsed_ns'] / unit(r) for r in rp[a]] for a in allocs}
            digits = 2 if work == 'files' else 1
            rows.append([f'wall clock per {per} (plain, {pl["cpus"]} vCPUs)'] +
                        [spread(v[a], 1e6, 'ms', digits) for a in allocs] +
                        [f'{ratio(median(v["rspl"]), median(v["stock"]))} '
                         f'({ratio(min(v["rspl"]), min(v["stock"]))})'])
            m = {a: median_rec(rp[a], total) for a in allocs}
            rows.append(['memory at the end: `Slab:` + `VmallocUsed:`'] +
                        [f'{mib(total(m[a]))} ({mib(m[a]["slabinfo_kib"])} + '
                         f'{mib(m[a]["slab_kib"] - m[a]["slabinfo_kib"])} + '
                         f'{mib(m[a]["vmalloc_kib"])})' for a in allocs] +
                        [ratio(total(m['rspl']), total(m['stock']))])
            rows.append(['&nbsp;&nbsp;own slabs, as the allocator reports them'] +
                        [mib(m[a]['own_kib']) for a in allocs] +
                        [ratio(m['rspl']['own_kib'], m['stock']['own_kib'])])
            if all(isinstance(m[a].get('arc_kib'), int) for a in allocs):
                rows.append(['&nbsp;&nbsp;ARC size'] + [mib(m[a]['arc_kib']) for a in allocs] +
                            [ratio(m['rspl']['arc_kib'], m['stock']['arc_kib'])])
            g = {a: median_rec(rp[a], lambda r: total(r, 'gone_')) for a in allocs}
            rows.append(['memory after the pool is destroyed'] +
                        [mib(total(g[a], 'gone_')) for a in allocs] +
                        [ratio(total(g['rspl'], 'gone_'), total(g['stock'], 'gone_'))])
        name = pool_work_name(work, key[1], (ri['stock'] or rp['stock'])[0])
        for row in rows:
            out.append(f'| {name} | ' + ' | '.join(row) + ' |')
    base = {a: [total(st, 'base_') for st in plain[a]['starts'] if 'base_slab_kib' in st]
            for a in allocs}
    if all(base.values()):
        out.append('| - | memory before the first pool (plain) | ' +
                   ' | '.join(spread([b * 1024 for b in base[a]], 1 << 20, 'MiB', 1)
                              for a in allocs) + ' | ' +
                   ratio(median(base['rspl']), median(base['stock'])) + ' |')
    return out + ['']


def chart(icount, path, boot):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for a in ALLOCS:
        xs, ys = [], []
        for size in SIZES:
            r = find(icount, 'pair', a, size)
            if r:
                xs.append(size)
                ys.append(max(r['ns_x100'] / 100, 1))
        ax.plot(xs, ys, marker='o', label=a)
    ax.set_xscale('log', base=2)
    ax.set_yscale('log')
    ax.set_xticks(SIZES, [human(s) for s in SIZES])
    ax.set_xlabel('object size')
    ax.set_ylabel('instructions per alloc+free pair')
    ax.set_title(f'One CPU, warm, {boot.strip("`")}: instructions per pair (QEMU -icount)')
    ax.grid(True, which='both', alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--icount', required=True)
    ap.add_argument('--plain', required=True)
    ap.add_argument('--qemu', default='?')
    ap.add_argument('--commit', default='?')
    ap.add_argument('--out', required=True)
    ap.add_argument('--chart', required=True)
    # The pool boots (bench/pool.sh): one log for each allocator, stock and rspl.
    ap.add_argument('--pool-icount', nargs='+', default=[])
    ap.add_argument('--pool-plain', nargs='+', default=[])
    # The same two boots with init_on_alloc=0.
    ap.add_argument('--icount-noinit')
    ap.add_argument('--plain-noinit')
    ap.add_argument('--cpu', default='?')
    # objdump -dr of rspl.ko's rspl_kmem_cache_alloc and rspl_kmem_cache_free.
    ap.add_argument('--objdump')
    args = ap.parse_args()
    icount, kernel = parse(args.icount)
    plain, _ = parse(args.plain)
    noinit = None
    if args.icount_noinit and args.plain_noinit:
        noinit = parse(args.icount_noinit)[0], parse(args.plain_noinit)[0]
    for cases, want in [(icount, 1), (plain, 1)] + (
            [(noinit[0], 0), (noinit[1], 0)] if noinit else []):
        got = cases.get('start', [{}])[0].get('init_on_alloc')
        if got != want:
            sys.exit(f'report: a boot meant to have init_on_alloc={want} says {got}')
    global ALLOCS, SIZES, SLAB_LIMIT
    setups = {(r.get('sizes'), r.get('slab_limit')) for cases in
              [icount, plain] + (list(noinit) if noinit else [])
              for r in cases.get('setup', [{}])}
    if len(setups) != 1 or None in next(iter(setups)):
        sys.exit(f'report: the boots disagree on, or lack, their setup: {setups}')
    sizes, SLAB_LIMIT = next(iter(setups))
    SIZES = [int(v) for v in str(sizes).split(',')]
    if any(r.get('alloc') == 'spl' for cases in (icount, plain)
           for recs in cases.values() for r in recs):
        ALLOCS = ALLOCS + ['spl']
    if not icount.get('pair') or not plain.get('pair'):
        sys.exit('report: no pair figures in the logs')
    reps = plain.get('start', [{}])[0].get('reps', '?')
    doc = ['# rspl benchmark results', '',
           f'- Date: {datetime.date.today().isoformat()}, rspl at commit {args.commit}',
           f'- Kernel: Linux {kernel}, config `bench` '
           '(scripts/kconfig/bench.config: Debian\'s allocator, hardening and '
           'preemption options from distro.config, HZ=1000)',
           f'- QEMU: {args.qemu}, TCG, CPU model `{args.cpu}` (the features '
           'TCG emulates), 2 vCPUs, 2 GiB; two boots: `-icount '
           'shift=0,sleep=off` (instructions, one repetition) and plain TCG '
           f'(wall clock, median of {reps} repetitions with min-max), with the '
           'kernel\'s default `init_on_alloc=1` (Debian\'s: every allocation '
           'zeroed), and ' + ('the same two with `init_on_alloc=0`' if noinit
                              else 'none with `init_on_alloc=0`'),
           '- `init_on_alloc` on rspl\'s own slabs: SLUB\'s rule. With it on, '
           'an object of a cache without a constructor is zeroed when it is '
           'handed out; a constructor initialises the objects of its cache '
           '(rspl runs it on every allocation). An object from a pass-through '
           'cache\'s magazine is zeroed as it is handed out (SLUB zeroed it '
           'only when the magazine took it); emergency objects are new memory, '
           'which the kernel\'s allocators zero themselves. OpenZFS\'s SPL '
           'zeroes nothing on its own slabs.',
           '- Allocators, in the same boot: an rspl cache (default placement: '
           f'up to {human(SLAB_LIMIT)} passed through to a Linux cache, larger on rspl\'s '
           'own slabs), a Linux `kmem_cache` (SLUB), `kmalloc()`' +
           (', and OpenZFS 2.3\'s SPL `spl_kmem_cache` (its `spl.ko` and '
            '`zfs.ko` loaded; its default placement, its own slabs '
            'behind per-CPU magazines above its own `spl_kmem_cache_slab_limit`).' if 'spl' in ALLOCS else
            '. OpenZFS\'s SPL was not loaded.'),
           '- Made by `make bench` (scripts/bench); each figure is per '
           'alloc+free pair, the cost of the same loop around empty calls '
           'taken off.', '',
           '![instructions per pair](pairs.png)', '',
           '## Tables', '']
    doc += time_table(icount, plain, 'pair', 'One CPU, warm: alloc+free pairs')
    doc += time_table(icount, plain, 'batch1k',
                      'Batches: allocate 1000, then free them')
    doc += time_table(icount, plain, 'batch100k',
                      'Batches: allocate 100,000 (at most 128 MiB), then free them')
    doc += ['On rspl\'s own slabs (128 KiB and 1 MiB), a batch that outgrows '
            'the cache grows it through the grow threads: a wakeup round '
            'trip and a slab of 8 objects (8 MiB of `__vmalloc()` for 1 MiB '
            'objects) each time. As the objects come back, the empty slabs '
            'are kept for the working set (what was in use since the last '
            'aging tick), so the next batch takes them again; the aging tick '
            'and the shrinker give them back. SLUB and kmalloc take such '
            'objects straight from the page allocator.', '']
    doc += time_table(icount, plain, 'pair2cpu',
                      'Two threads on two vCPUs, pairs at the same time (per pair, per thread)')
    doc += ['Under icount the guest clock advances with either vCPU\'s '
            'instructions, one vCPU at a time: a thread\'s figure is half the '
            'span from the first thread\'s start to the last one\'s end, which '
            'holds both threads\' pairs however they overlapped. In the plain '
            'boots each thread\'s own time counts.', '']
    if noinit:
        doc += time_table(noinit[0], noinit[1], 'pair',
                          'With `init_on_alloc=0`: one CPU, warm: alloc+free pairs')
        doc += time_table(noinit[0], noinit[1], 'batch1k',
                          'With `init_on_alloc=0`: batches: allocate 1000, then free them')
        doc += time_table(noinit[0], noinit[1], 'batch100k',
                          'With `init_on_alloc=0`: batches: allocate 100,000 (at most 128 MiB), '
                          'then free them')
        doc += time_table(noinit[0], noinit[1], 'pair2cpu',
                          'With `init_on_alloc=0`: two threads on two vCPUs (per pair, per thread)')
    doc += memory_table(plain)
    doc += emergencies_table(noinit[0] if noinit else icount, noinit[1] if noinit else plain)
    doc += caches_table(noinit[0] if noinit else icount, noinit[1] if noinit else plain)
    doc += emergency_table(icount, plain)
    doc += targets(icount, plain, noinit,
                   fast_path_listing(args.objdump) if args.objdump else None)
    doc += pool_section(pool_logs(args.pool_icount), pool_logs(args.pool_plain))
    text = '\n'.join(doc)
    with open(args.out, 'w') as f:
        f.write(text)
    chart(noinit[0] if noinit else icount, args.chart,
          '`init_on_alloc=0`' if noinit else '`init_on_alloc=1`')
    emergencies_chart(noinit[0] if noinit else icount,
                      os.path.join(os.path.dirname(args.chart), 'emergency.png'))
    print(text)


if __name__ == '__main__':
    main()
