import { planReconcile, type KnownContainer } from '../../../server/spawner/reconcile';
import type { ContainerInfo } from '../../../server/spawner/spawner';

const c = (over: Partial<ContainerInfo>): ContainerInfo => ({
  id: `id-${over.urlId ?? 'x'}`,
  name: 'n',
  urlId: 'u1',
  user: 'alice',
  mappingId: 'm1',
  image: 'app',
  imageId: null,
  state: 'running',
  target: 'http://10.0.0.2:8888',
  startedAt: new Date(),
  exitCode: null,
  owner: 'self',
  ...over,
});
const grants = new Map([
  ['m1', 'alice'],
  ['m2', 'bob'],
]);
const owner = (id: string) => grants.get(id);
const plan = (
  cs: ContainerInfo[],
  known: Array<[string, KnownContainer['status'], string?]> = [],
) =>
  planReconcile(
    cs,
    owner,
    new Map(known.map(([u, s, t]) => [u, { urlId: u, status: s, target: t ?? null }])),
  );

describe('planReconcile', () => {
  it('adopts running containers of existing grants', () => {
    expect(plan([c({})]).map((a) => a.kind)).toEqual(['adopt']);
  });

  it('removes containers whose grant is gone or belongs to someone else', () => {
    expect(plan([c({ mappingId: 'gone' })])).toEqual([
      expect.objectContaining({ kind: 'remove', reason: 'orphan' }),
    ]);
    expect(plan([c({ mappingId: 'm2' })])).toEqual([
      expect.objectContaining({ kind: 'remove', reason: 'orphan' }),
    ]);
  });

  it('removes untracked exited containers and unlabelled ones', () => {
    expect(plan([c({ state: 'exited', target: null })])).toEqual([
      expect.objectContaining({ kind: 'remove', reason: 'exited' }),
    ]);
    expect(plan([c({ state: 'created', target: null })])).toEqual([
      expect.objectContaining({ kind: 'remove', reason: 'exited' }),
    ]);
    expect(plan([c({ urlId: '' })])).toEqual([
      expect.objectContaining({ kind: 'remove', reason: 'unlabelled' }),
    ]);
  });

  it('marks tracked containers that stopped as dead, once', () => {
    const exited = c({ state: 'exited', target: null });
    expect(plan([exited], [['u1', 'running']]).map((a) => a.kind)).toEqual(['mark-dead']);
    expect(plan([exited], [['u1', 'dead']])).toEqual([]);
  });

  it('leaves a running record alone and forgets records whose container vanished', () => {
    expect(plan([c({})], [['u1', 'running', 'http://10.0.0.2:8888']])).toEqual([]);
    expect(plan([], [['u1', 'running']])).toEqual([{ kind: 'forget', urlId: 'u1' }]);
  });

  it('re-adopts when the target moved (engine restart gave a new IP)', () => {
    expect(plan([c({})], [['u1', 'running', 'http://10.0.0.9:8888']]).map((a) => a.kind)).toEqual([
      'adopt',
    ]);
  });

  it('never touches a spawn in flight', () => {
    expect(plan([c({ state: 'created', target: null })], [['u1', 'starting']])).toEqual([]);
    expect(plan([], [['u1', 'starting']])).toEqual([]);
  });

  describe("another installation's containers", () => {
    // Each would be adopted or removed by the rules above, were it this installation's.
    const cases: Array<[string, ContainerInfo]> = [
      ['running, with a grant that matches one of ours', c({})],
      ['of a grant this hub does not have', c({ mappingId: 'gone' })],
      ['exited', c({ state: 'exited', target: null })],
      ['without a url_id', c({ urlId: '' })],
    ];

    it.each(cases)('are reported, never adopted or removed: %s', (_what, container) => {
      for (const owner of ['other', 'legacy'] as const) {
        const foreign = { ...container, owner };
        expect(plan([foreign])).toEqual([{ kind: 'report', container: foreign }]);
      }
    });

    it('do not keep a record of ours with the same url_id alive', () => {
      expect(plan([c({ owner: 'other' })], [['u1', 'running']]).map((a) => a.kind)).toEqual([
        'report',
        'forget',
      ]);
    });

    it('sit beside our own without changing what happens to ours', () => {
      const ours = c({ urlId: 'u2', mappingId: 'gone' });
      const theirs = c({ urlId: 'u3', mappingId: 'gone', owner: 'other' });
      expect(plan([ours, theirs]).map((a) => a.kind)).toEqual(['remove', 'report']);
    });
  });

  describe('warm-labelled containers', () => {
    const warm = (pooled: string[], claimed: string[]) =>
      planReconcile([c({ warm: true })], owner, new Map(), {
        pooled: new Set(pooled),
        claimed: new Set(claimed),
      });

    it("leaves the warm pool's own to the pool (never routed by a re-sync)", () => {
      expect(warm(['u1'], [])).toEqual([]);
    });

    it("removes an unclaimed one nobody holds (a restarted hub's leftover)", () => {
      expect(warm([], [])).toEqual([expect.objectContaining({ kind: 'remove', reason: 'warm' })]);
    });

    it('adopts one a start claimed before the restart', () => {
      expect(warm([], ['u1']).map((a) => a.kind)).toEqual(['adopt']);
    });

    it('treats a tracked (claimed) one as any other container', () => {
      const known = new Map([['u1', { urlId: 'u1', status: 'running' as const, target: null }]]);
      expect(planReconcile([c({ warm: true })], owner, known).map((a) => a.kind)).toEqual([
        'adopt',
      ]);
    });
  });
});
