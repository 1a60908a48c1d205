/**
 * Compares two V8 heap snapshots (`.heapsnapshot`, as `--heapsnapshot-signal` or
 * `v8.writeHeapSnapshot()` write them): which kinds of object grew from the first to the second,
 * by self size, and what holds the new ones (the commonest retainer, edge and holder's kind).
 * The scale bench uses it on the hub at 10 and at N routes; by hand:
 *
 *   node -r @swc-node/register bench/heap-diff.ts small.heapsnapshot large.heapsnapshot [top]
 *
 * Self sizes, not retained sizes: a kind that grows is named even when what holds it is shared,
 * and the retainer column tells who keeps it.
 */
import fs from 'node:fs';

interface RawSnapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[]];
      edge_fields: string[];
      edge_types: [string[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface Kind {
  count: number;
  bytes: number;
  /** "holder kind.edge" → how many objects of this kind it holds (first retainer seen). */
  retainers: Map<string, number>;
}

export interface HeapSummary {
  /** Sum of every object's self size: the live heap (a snapshot collects garbage first). */
  totalBytes: number;
  kinds: Map<string, Kind>;
}

/** Objects, closures and native objects by constructor name; everything else by V8 type. */
function kindOf(type: string, name: string): string {
  if (type === 'object' || type === 'native') return name;
  if (type === 'closure') return `closure ${name}`;
  return `(${type})`;
}

/** Counts and self sizes per kind of object in one snapshot, with their first retainers. */
export function summarize(file: string): HeapSummary {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as RawSnapshot;
  const { meta } = snap.snapshot;
  const nw = meta.node_fields.length;
  const ew = meta.edge_fields.length;
  const nf = (f: string) => meta.node_fields.indexOf(f);
  const ef = (f: string) => meta.edge_fields.indexOf(f);
  const [nType, nName, nSize, nEdges] = [nf('type'), nf('name'), nf('self_size'), nf('edge_count')];
  const [eType, eName, eTo] = [ef('type'), ef('name_or_index'), ef('to_node')];
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const { nodes, edges, strings } = snap;
  const count = nodes.length / nw;
  const kinds: string[] = new Array<string>(count);
  for (let i = 0; i < count; i++)
    kinds[i] = kindOf(nodeTypes[nodes[i * nw + nType]], strings[nodes[i * nw + nName]]);

  // One retainer per object (the first strong edge found): enough to see who holds a kind.
  const retainer: string[] = new Array<string>(count);
  let e = 0;
  for (let i = 0; i < count; i++) {
    const n = nodes[i * nw + nEdges];
    for (let k = 0; k < n; k++, e += ew) {
      const type = edgeTypes[edges[e + eType]];
      if (type === 'weak' || type === 'shortcut') continue;
      const to = edges[e + eTo] / nw;
      if (retainer[to] !== undefined) continue;
      const label =
        type === 'element' || type === 'hidden'
          ? `[${edges[e + eName]}]`
          : strings[edges[e + eName]];
      retainer[to] = `${kinds[i].slice(0, 40)}.${type === 'element' ? '[]' : label}`;
    }
  }

  const out = new Map<string, Kind>();
  let totalBytes = 0;
  for (let i = 0; i < count; i++) {
    const size = nodes[i * nw + nSize];
    totalBytes += size;
    const kind = out.get(kinds[i]) ?? { count: 0, bytes: 0, retainers: new Map() };
    kind.count++;
    kind.bytes += size;
    const r = retainer[i] ?? '(root)';
    kind.retainers.set(r, (kind.retainers.get(r) ?? 0) + 1);
    out.set(kinds[i], kind);
  }
  return { totalBytes, kinds: out };
}

/** The retainer whose count grew most from `a` to `b`, as "holder.edge (+n)". */
function topNewRetainer(a: Kind | undefined, b: Kind): string {
  let best = '';
  let bestGrowth = 0;
  for (const [r, n] of b.retainers) {
    const growth = n - (a?.retainers.get(r) ?? 0);
    if (growth > bestGrowth) [best, bestGrowth] = [r, growth];
  }
  return best ? `${best} (+${bestGrowth})` : '';
}

/** Printable lines: live heap of each, then the `top` kinds whose bytes grew most. */
export function heapGrowth(small: string, large: string, top = 15): string[] {
  const a = summarize(small);
  const b = summarize(large);
  const mb = (x: number) => (x / 2 ** 20).toFixed(2);
  const lines = [
    `  live heap (after the snapshot's GC): ${mb(a.totalBytes)} MB → ${mb(b.totalBytes)} MB`,
  ];
  const growth = [...b.kinds]
    .map(([name, k]) => {
      const was = a.kinds.get(name);
      return {
        name,
        count: k.count - (was?.count ?? 0),
        bytes: k.bytes - (was?.bytes ?? 0),
        held: topNewRetainer(was, k),
      };
    })
    .sort((x, y) => y.bytes - x.bytes)
    .slice(0, top);
  for (const g of growth)
    lines.push(
      `  ${mb(g.bytes).padStart(7)} MB ${String(g.count).padStart(8)} × ${g.name.slice(0, 40).padEnd(40)} held by ${g.held.slice(0, 70)}`,
    );
  return lines;
}

if (require.main === module) {
  const [small, large, top] = process.argv.slice(2);
  if (!small || !large) {
    console.error('usage: heap-diff.ts SMALL.heapsnapshot LARGE.heapsnapshot [top]');
    process.exit(2);
  }
  console.log(heapGrowth(small, large, Number(top ?? 25)).join('\n'));
}
