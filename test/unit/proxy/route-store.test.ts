import { RouteStore } from '../../../server/proxy/route-store';

const base = {
  urlId: 'u1',
  user: 'alice',
  target: 'http://10.0.0.2:8888',
  containerId: 'c1',
  mappingId: 'm1',
};

describe('RouteStore', () => {
  it('stores routes by url_id with running status and a fresh activity time', () => {
    const store = new RouteStore();
    const before = Date.now();
    store.set(base);
    const r = store.get('u1');
    expect(r).toMatchObject({ ...base, status: 'running' });
    expect(r!.lastActivity).toBeGreaterThanOrEqual(before);
    expect(store.get('u2')).toBeUndefined();
    expect(store.size).toBe(1);
  });

  it('replaces a route set again and lists a snapshot', () => {
    const store = new RouteStore();
    store.set(base);
    store.set({ ...base, target: 'http://10.0.0.3:8888', status: 'dead', lastActivity: 5 });
    expect(store.get('u1')).toMatchObject({
      target: 'http://10.0.0.3:8888',
      status: 'dead',
      lastActivity: 5,
    });
    const list = store.list();
    store.delete('u1');
    expect(list).toHaveLength(1);
    expect(store.list()).toHaveLength(0);
  });

  it('marks dead, touches and deletes; unknown ids are ignored', () => {
    const store = new RouteStore();
    store.set({ ...base, lastActivity: 1 });
    store.touch('u1', 42);
    expect(store.get('u1')!.lastActivity).toBe(42);
    store.markDead('u1');
    expect(store.get('u1')!.status).toBe('dead');
    store.touch('nope');
    store.markDead('nope');
    expect(store.delete('u1')).toBe(true);
    expect(store.delete('u1')).toBe(false);
    expect(store.get('u1')).toBeUndefined();
  });
});
