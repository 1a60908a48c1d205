import { RouteStore } from '../../../server/proxy/route-store';
import { ContainerRegistry } from '../../../server/spawner/container-registry';

/** "Running means routed": every transition of a record leaves the route table in step. */
describe('ContainerRecord and its route', () => {
  const make = () => {
    const routes = new RouteStore();
    const registry = new ContainerRegistry(routes);
    const rec = registry.add({
      urlId: 'u1',
      user: 'alice',
      mappingId: 'm1',
      image: 'app:1',
      uiName: 'App',
      startedAt: new Date(0),
    });
    return { routes, registry, rec };
  };

  it('is unrouted while starting and routed once running', () => {
    const { routes, rec } = make();
    expect(rec.status).toBe('starting');
    expect(routes.get('u1')).toBeUndefined();
    rec.markRunning('c1', 'http://10.0.0.2:8888');
    expect(routes.get('u1')).toMatchObject({ status: 'running', target: 'http://10.0.0.2:8888' });
  });

  it('keeps a dead route when the container dies, and routes again when it runs', () => {
    const { routes, rec } = make();
    rec.markRunning('c1', 'http://10.0.0.2:8888');
    expect(rec.markDead()).toBe(true);
    expect(routes.get('u1')?.status).toBe('dead');
    expect(rec.markDead()).toBe(false);
    rec.markRunning('c1', 'http://10.0.0.3:8888');
    expect(routes.get('u1')).toMatchObject({ status: 'running', target: 'http://10.0.0.3:8888' });
  });

  it('is unrouted during a stop, routed again with its activity when the stop fails', () => {
    const { routes, rec } = make();
    rec.markRunning('c1', 'http://10.0.0.2:8888', 1000);
    routes.touch('u1', 5000);
    rec.beginStop();
    expect(routes.get('u1')).toBeUndefined();
    rec.stopFailed();
    expect(routes.get('u1')).toMatchObject({ status: 'running', lastActivity: 5000 });
  });

  it('stays unrouted when it becomes running during a stop, and once it left the registry', () => {
    const { routes, registry, rec } = make();
    rec.beginStop();
    rec.markRunning('c1', 'http://10.0.0.2:8888');
    expect(routes.get('u1')).toBeUndefined();
    expect(registry.remove(rec)).toBe(true);
    expect(registry.remove(rec)).toBe(false);
    rec.markRunning('c1', 'http://10.0.0.2:8888');
    rec.stopFailed();
    expect(routes.list()).toEqual([]);
    expect(registry.get('u1')).toBeUndefined();
  });

  it('drops the route of a record a new one of the same url_id replaces', () => {
    const { routes, registry, rec } = make();
    rec.markRunning('c1', 'http://10.0.0.2:8888');
    const next = registry.add({
      urlId: 'u1',
      user: 'alice',
      mappingId: 'm1',
      image: 'app:1',
      uiName: 'App',
      startedAt: new Date(0),
    });
    expect(routes.get('u1')).toBeUndefined();
    expect(rec.isDetached).toBe(true);
    next.markRunning('c2', 'http://10.0.0.4:8888');
    expect(routes.get('u1')?.containerId).toBe('c2');
  });
});
