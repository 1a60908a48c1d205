import { DockerTimeout, withDeadline } from '../../../server/docker/deadline';

describe('withDeadline', () => {
  it('passes the answer through when it comes in time', async () => {
    await expect(withDeadline('ping', 1000, 'hint', async () => 'OK')).resolves.toBe('OK');
  });

  it('gives up on a call that never answers, even one that ignores its signal', async () => {
    let signal!: AbortSignal;
    const hung = withDeadline('inspect image', 50, 'the engine is hung', (s) => {
      signal = s;
      return new Promise<never>(() => undefined);
    });
    await expect(hung).rejects.toBeInstanceOf(DockerTimeout);
    await expect(hung).rejects.toThrow(/no answer to inspect image within 0 s; the engine is hung/);
    expect(signal.aborted).toBe(true);
  });

  it('keeps the call’s own error', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    await expect(withDeadline('list', 1000, 'hint', () => Promise.reject(refused))).rejects.toBe(
      refused,
    );
  });
});
