import { KeyedLock } from '../../../server/spawner/keyed-lock';
import { SpawnSlots } from '../../../server/spawner/spawn-slots';

const tick = () => new Promise((r) => setImmediate(r));

describe('KeyedLock', () => {
  it('runs tasks of one key one at a time, in order, and other keys in parallel', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a1 = lock.run('a', async () => {
      log.push('a1 start');
      await gate;
      log.push('a1 end');
    });
    const a2 = lock.run('a', async () => {
      log.push('a2');
    });
    const b = lock.run('b', async () => {
      log.push('b');
    });
    await b;
    expect(log).toEqual(['a1 start', 'b']);
    expect(lock.busy('a')).toBe(true);
    release();
    await Promise.all([a1, a2]);
    expect(log).toEqual(['a1 start', 'b', 'a1 end', 'a2']);
    await tick();
    expect(lock.busy('a')).toBe(false);
  });

  it('keeps going after a failed task', async () => {
    const lock = new KeyedLock();
    await expect(lock.run('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    await expect(lock.run('k', async () => 42)).resolves.toBe(42);
  });
});

describe('SpawnSlots', () => {
  it('queues beyond its size and hands slots over in order', async () => {
    const slots = new SpawnSlots(2);
    const r1 = await slots.acquire();
    const r2 = await slots.acquire();
    const order: number[] = [];
    const p3 = slots.acquire().then((r) => (order.push(3), r));
    const p4 = slots.acquire().then((r) => (order.push(4), r));
    await tick();
    expect(slots.queued).toBe(2);
    expect(order).toEqual([]);
    r1();
    r1(); // releasing twice must not free two slots
    const r3 = await p3;
    await tick();
    expect(order).toEqual([3]);
    r2();
    await p4;
    expect(order).toEqual([3, 4]);
    r3();
  });

  it('drops a waiter whose signal aborts', async () => {
    const slots = new SpawnSlots(1);
    const r1 = await slots.acquire();
    const ctrl = new AbortController();
    const waiting = slots.acquire(ctrl.signal);
    ctrl.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
    expect(slots.queued).toBe(0);
    r1();
    const again = await slots.acquire();
    again();
  });
});
