import { ProgressHub, progressKey, type ProgressEvent } from '../../../server/spawner/progress';

const ev = (stage: ProgressEvent['stage']): ProgressEvent => ({
  mapping_id: 'm',
  stage,
  progress: 0,
  message: stage,
});

describe('ProgressHub', () => {
  it('delivers events only to watchers of the same user and grant', () => {
    const hub = new ProgressHub();
    const mine: string[] = [];
    const theirs: string[] = [];
    hub.subscribe(progressKey('alice', 'm'), (e) => mine.push(e.stage));
    hub.subscribe(progressKey('bob', 'm'), (e) => theirs.push(e.stage));
    hub.emit(progressKey('alice', 'm'), ev('creating'));
    expect(mine).toEqual(['creating']);
    expect(theirs).toEqual([]);
  });

  it('tells a late watcher where a spawn in flight stands, and nothing once it ended', () => {
    const hub = new ProgressHub();
    const key = progressKey('a', 'm');
    hub.emit(key, ev('starting'));
    const seen: string[] = [];
    const off = hub.subscribe(key, (e) => seen.push(e.stage));
    expect(seen).toEqual(['starting']);
    off();
    hub.emit(key, ev('ready'));
    const later: string[] = [];
    hub.subscribe(key, (e) => later.push(e.stage));
    expect(later).toEqual([]);
  });

  it('keeps user and grant apart in the key', () => {
    expect(progressKey('a-b', 'c')).not.toBe(progressKey('a', 'b-c'));
  });

  it('survives a watcher that throws', () => {
    const hub = new ProgressHub();
    const key = progressKey('a', 'm');
    const seen: string[] = [];
    hub.subscribe(key, () => {
      throw new Error('closed');
    });
    hub.subscribe(key, (e) => seen.push(e.stage));
    hub.emit(key, ev('queued'));
    expect(seen).toEqual(['queued']);
    expect(hub.watchers).toBe(2);
  });
});
