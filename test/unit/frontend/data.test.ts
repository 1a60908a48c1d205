import { ApiError } from '../../../frontend/src/data/api';
import { startContainer } from '../../../frontend/src/data/applications';
import { fieldErrorOf, splitFieldMessage } from '../../../frontend/src/data/field-errors';
import {
  describePolicy,
  EMPTY_POLICY_FORM,
  policyFromForm,
} from '../../../frontend/src/data/policy';
import {
  checkResolution,
  fitToWindow,
  parseResolution,
} from '../../../frontend/src/data/resolution';
import { isRunning, statusView } from '../../../frontend/src/data/status';
import { formatAgo, formatDuration, secondsUntil } from '../../../frontend/src/data/time';
import { safeHref, safeImageSrc, safeNext } from '../../../frontend/src/data/urls';

/** The portal's pure data helpers (frontend/src/data): no DOM, so they run under Node. */

describe('safeNext', () => {
  it.each([
    ['/hub/admin/users', '/hub/admin/users'],
    ['/hub/launcher?q=x', '/hub/launcher?q=x'],
    ['/user/alice/containers/abc/', '/user/alice/containers/abc/'],
  ])('follows the same-origin path %s', (next, expected) => {
    expect(safeNext(next)).toBe(expected);
  });

  it.each([
    null,
    '',
    'hub/launcher',
    '//evil.example/x',
    '/\\evil.example',
    '/\t/evil.example',
    'https://evil.example/',
    'javascript:alert(1)',
    '/login',
    '/login?next=/hub/',
    '/.//evil.example',
    '/%2e%2e//evil.example',
    '/a/..//evil.example',
    '/hub/%2E%2E/%2e//evil.example',
    '/./login',
  ])('refuses %p and falls back to the launcher', (next) => {
    expect(safeNext(next)).toBe('/hub/launcher');
  });
});

describe('safeHref and safeImageSrc', () => {
  it('keep same-origin paths and http(s) URLs, drop script and data URLs', () => {
    expect(safeHref('/user/a/containers/x/')).toBe('/user/a/containers/x/');
    expect(safeHref('https://apps.example/x')).toBe('https://apps.example/x');
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('//evil.example')).toBeNull();
    expect(safeHref('data:text/html,<script>')).toBeNull();
  });

  it('accept inline raster icons but not SVG or HTML data URLs', () => {
    expect(safeImageSrc('data:image/png;base64,iVBORw0KGgo=')).toBe(
      'data:image/png;base64,iVBORw0KGgo=',
    );
    expect(safeImageSrc('data:image/svg+xml;base64,PHN2Zz4=')).toBeNull();
    expect(safeImageSrc('/api/v1/applications/icons/1.png?v=ab')).toBe(
      '/api/v1/applications/icons/1.png?v=ab',
    );
  });
});

describe('resolution', () => {
  it('parses WIDTHxHEIGHT in the usual spellings', () => {
    expect(parseResolution('1280x800')).toEqual({ width: 1280, height: 800 });
    expect(parseResolution(' 1600 X 900 ')).toEqual({ width: 1600, height: 900 });
    expect(parseResolution('1280')).toBeNull();
    expect(parseResolution('axb')).toBeNull();
  });

  it('fits the window with even sizes inside the image limits', () => {
    expect(fitToWindow({ width: 1281, height: 799 })).toBe('1280x798');
    expect(fitToWindow({ width: 5000, height: 100 }, { max_width: 3840, min_height: 480 })).toBe(
      '3840x480',
    );
  });

  it('says which bound a custom size breaks', () => {
    const limits = { min_width: 640, max_width: 1920, min_height: 480, max_height: 1080 };
    expect(checkResolution('1280x800', limits)).toBeNull();
    expect(checkResolution('100x800', limits)).toBe('the width must be at least 640');
    expect(checkResolution('1280x2000', limits)).toBe('the height must be at most 1080');
    expect(checkResolution('big', limits)).toMatch(/WIDTHxHEIGHT/);
  });
});

describe('policyFromForm', () => {
  it('turns the default form into a policy with hub-default limits', () => {
    expect(policyFromForm(EMPTY_POLICY_FORM)).toEqual({
      policy: {
        allow_home: true,
        allow_startup_data: false,
        allow_view: false,
        allow_common: false,
        volume_source: null,
        volume_target: null,
        volume_mode: null,
        app_license: null,
        memory_limit: null,
        cpu_limit: null,
        pids_limit: null,
        label: null,
      },
    });
  });

  it('reads a volume with its mode and the typed limits', () => {
    const result = policyFromForm({
      ...EMPTY_POLICY_FORM,
      volume_source: '/srv/data',
      volume_target: '/data',
      read_only: false,
      memory_limit: '512M',
      cpu_limit: '0.5',
      pids_limit: '100',
    });
    expect(result).toMatchObject({
      policy: { volume_mode: 'rw', memory_limit: '512m', cpu_limit: 0.5, pids_limit: 100 },
    });
  });

  it.each([
    [{ volume_source: '/srv' }, /mounted/, 'volume_target'],
    [{ volume_target: '/data' }, /host folder/, 'volume_source'],
    [{ volume_source: 'srv', volume_target: '/data' }, /absolute/, 'volume_source'],
    [{ volume_source: '/srv', volume_target: '/workspace/' }, /another folder/, 'volume_target'],
    [{ memory_limit: 'lots' }, /512m/, 'memory_limit'],
    [{ memory_limit: '1m' }, /at least 6m/, 'memory_limit'],
    [{ cpu_limit: '-1' }, /positive/, 'cpu_limit'],
    [{ pids_limit: '1.5' }, /whole number/, 'pids_limit'],
    [{ label: 'x'.repeat(81) }, /80 characters/, 'label'],
  ])('names the field to fix for %p', (patch, message, field) => {
    const result = policyFromForm({ ...EMPTY_POLICY_FORM, ...patch });
    expect('error' in result && result.error).toMatch(message);
    expect('field' in result && result.field).toBe(field);
  });
});

describe('field errors', () => {
  it.each([
    ['password: use at least 8 characters', 'password', 'Use at least 8 characters.'],
    ['policy: pids_limit: at least 1', 'pids_limit', 'At least 1.'],
    [
      'policy.volume_source: must be an absolute path',
      'volume_source',
      'Must be an absolute path.',
    ],
    [
      'name: user names are 1-32 characters: lower-case letters',
      'name',
      'User names are 1-32 characters: lower-case letters.',
    ],
    ['the hub is busy', null, 'The hub is busy.'],
  ])('reads %j as a message for its field', (message, field, plain) => {
    expect(splitFieldMessage(message)).toEqual({ field, message: plain });
  });

  it('names no field for a server failure', () => {
    expect(fieldErrorOf(new ApiError(503, 'unavailable', 'name: down'))).toEqual({
      field: null,
      message: 'Name: down.',
    });
  });
});

describe('describePolicy', () => {
  const policy = {
    ...(
      policyFromForm({ ...EMPTY_POLICY_FORM, volume_source: '/srv/p', volume_target: '/data' }) as {
        policy: Parameters<typeof describePolicy>[0];
      }
    ).policy,
    memory_limit: '2g',
  };
  it('tells an admin where the volume comes from', () => {
    expect(describePolicy(policy)).toEqual([
      'home folder',
      '/data read-only (from /srv/p)',
      '2g memory',
    ]);
  });
  it('tells a user what they get, without the host folder', () => {
    expect(describePolicy({ ...policy, app_license: true }, true)).toEqual([
      'your workspace',
      '/data read-only',
      'licence',
      '2g memory',
    ]);
  });
});

describe('status and time', () => {
  it('words container statuses for badges', () => {
    expect(statusView('running')).toEqual({ label: 'Running', tone: 'ok' });
    expect(statusView('starting').tone).toBe('busy');
    expect(statusView('dead')).toEqual({ label: 'Stopped unexpectedly', tone: 'bad' });
    expect(statusView(null)).toEqual({ label: 'Not running', tone: 'idle' });
    expect(isRunning('running')).toBe(true);
    expect(isRunning('starting')).toBe(false);
  });

  it('formats durations and ages', () => {
    const now = Date.parse('2025-01-01T12:00:00Z');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(150)).toBe('3 min');
    expect(formatDuration(3900)).toBe('1 h 5 min');
    expect(secondsUntil('2025-01-01T12:02:00Z', now)).toBe(120);
    expect(secondsUntil('not a date', now)).toBeNull();
    expect(formatAgo('2025-01-01T11:59:50Z', now)).toBe('just now');
    expect(formatAgo('2025-01-01T12:00:05Z', now)).toBe('just now');
    expect(formatAgo('2025-01-01T11:50:00Z', now)).toBe('10 min ago');
  });
});

describe('startContainer', () => {
  const running = { url_id: 'u', url: '/user/a/containers/u/', status: 'running' };
  const answer = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  let fetchSpy: jest.SpyInstance;
  afterEach(() => fetchSpy.mockRestore());

  it('asks again when the connection broke, and gets the start under way', async () => {
    fetchSpy = jest
      .spyOn(globalThis, 'fetch')
      .mockRejectedValueOnce(new TypeError('Failed to fetch'))
      .mockResolvedValueOnce(answer(201, running));
    await expect(startContainer('m-1', {}, 0)).resolves.toEqual(running);
    expect(fetchSpy).toHaveBeenCalledTimes(2);
    const [, init] = fetchSpy.mock.calls[1] as [string, RequestInit];
    expect(JSON.parse(String(init.body))).toEqual({ mapping_id: 'm-1' });
  });

  it('gives up after three broken connections with the network message', async () => {
    fetchSpy = jest.spyOn(globalThis, 'fetch').mockRejectedValue(new TypeError('Failed to fetch'));
    const err = await startContainer('m-1', {}, 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('network');
    expect(fetchSpy).toHaveBeenCalledTimes(3);
  });

  it('never repeats a start the hub refused', async () => {
    fetchSpy = jest
      .spyOn(globalThis, 'fetch')
      .mockResolvedValue(answer(429, { error: { code: 'too_many', message: 'wait' } }));
    const err = await startContainer('m-1', {}, 0).catch((e: unknown) => e);
    expect((err as ApiError).status).toBe(429);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
  });
});
