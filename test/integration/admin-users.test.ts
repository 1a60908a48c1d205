import fs from 'node:fs';
import { z } from 'zod';
import { OPENAPI_FILE } from '../../server/api/openapi-file';
import * as W from '../../server/api/wire';
import { ADMIN, bootHub, type TestHub } from '../helpers/hub';
import type { Client } from '../helpers/hub';
import { expectWire } from '../helpers/wire';

describe('admin REST for users', () => {
  let th: TestHub;
  let admin: Client;
  beforeAll(async () => {
    th = await bootHub();
    admin = await th.loginAs(ADMIN.name, ADMIN.password);
  });
  afterAll(() => th.close());

  it('creates, lists, updates and deletes users, and the new user can log in', async () => {
    const created = await admin.json('/api/v1/admin/users', {
      method: 'POST',
      json: { name: 'erin', password: 'erin-password' },
    });
    expect(created.status).toBe(201);
    expectWire(W.UserCreated, created.body);
    expect(created.body).toMatchObject({ name: 'erin', admin: false, disabled: false });
    expect(JSON.stringify(created.body)).not.toMatch(/hash/);
    await th.loginAs('erin', 'erin-password');
    const list = await admin.json<Array<{ name: string }>>('/api/v1/admin/users');
    expectWire(z.array(W.User), list.body);
    expect(list.body.map((u) => u.name)).toEqual(expect.arrayContaining(['admin', 'erin']));
    const gen = await admin.json<{ password: string }>('/api/v1/admin/users', {
      method: 'POST',
      json: { name: 'frank' },
    });
    expect(gen.status).toBe(201);
    expect(expectWire(W.UserCreated, gen.body).password).toEqual(expect.any(String));
    await th.loginAs('frank', gen.body.password);
    expect(
      (await admin.json('/api/v1/admin/users/erin', { method: 'PATCH', json: { admin: true } }))
        .body,
    ).toMatchObject({ admin: true });
    expect((await admin.fetch('/api/v1/admin/users/erin', { method: 'DELETE' })).status).toBe(204);
    const gone = await admin.json('/api/v1/admin/users/erin');
    expect(gone.status).toBe(404);
    expectWire(W.ErrorBody, gone.body);
  });

  it('answers every bad body with a 4xx that names the problem, and writes nothing', async () => {
    const before = (await th.hub.users.list()).length;
    const cases: Array<[unknown, number, RegExp]> = [
      [{}, 400, /name/],
      [{ name: 'Bad Name', password: 'password-123' }, 400, /lower-case/],
      [{ name: '<script>', password: 'password-123' }, 400, /lower-case/],
      [{ name: 'okname', password: 'short' }, 400, /at least 8/],
      [{ name: 'okname', password: 'password-123', admin: 'yes' }, 400, /admin/],
      [{ name: 'okname', password: 'password-123', extra: 1 }, 400, /extra/],
      [{ name: 'admin', password: 'password-123' }, 409, /already exists/],
      [[1, 2], 400, /object/i],
    ];
    for (const [json, status, message] of cases) {
      const r = await admin.json<{ error: { message: string } }>('/api/v1/admin/users', {
        method: 'POST',
        json,
      });
      expect([r.status, r.body.error.message]).toEqual([status, expect.stringMatching(message)]);
    }
    const badJson = await admin.json('/api/v1/admin/users', {
      method: 'POST',
      body: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(badJson.status).toBe(400);
    expect((await th.hub.users.list()).length).toBe(before);
    expect(
      (await admin.json('/api/v1/admin/users/nobody', { method: 'PATCH', json: { admin: true } }))
        .status,
    ).toBe(404);
    expect(
      (await admin.json('/api/v1/admin/users/admin', { method: 'PATCH', json: {} })).status,
    ).toBe(400);
  });

  it('disabling a user ends their sessions', async () => {
    const g = await th.userClient('gina');
    expect(
      (await admin.json('/api/v1/admin/users/gina', { method: 'PATCH', json: { disabled: true } }))
        .status,
    ).toBe(200);
    expect((await g.json('/api/v1/me')).status).toBe(401);
    expect((await th.client().login('gina', 'gina-password-123')).status).toBe(401);
  });

  it('escapes names and values with <\'&"> on server-rendered pages', async () => {
    const res = await th.client().fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        username: `<img src=x onerror="alert('&')">`,
        password: 'x',
        next: `/hub/"><script>alert(1)</script>`,
      }).toString(),
    });
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).not.toMatch(/<script>alert/);
    expect(html).not.toMatch(/<img/);
    expect(html).toContain('value="/hub/%22%3E%3Cscript%3E');
  });

  it('serves /health and Prometheus /metrics', async () => {
    const h = await th.client().json<{ status: string; docker: { ok: boolean } }>('/health');
    expect(h.status).toBe(200);
    expectWire(W.Health, h.body);
    expect(h.body).toMatchObject({
      status: 'ok',
      docker: { ok: true },
      catalog: { engine: 'up' },
      containers: { docker_available: true },
    });
    const m = await (await th.client().fetch('/metrics')).text();
    expect(m).toMatch(/hub_http_requests_total/);
    expect(m).toMatch(/hub_logins_total\{result="success"\} \d+/);
  });

  it('serves its OpenAPI document without a login, as committed', async () => {
    const res = await th.client().json('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(fs.readFileSync(OPENAPI_FILE, 'utf8')));
  });

  it('puts security headers on hub pages', async () => {
    const res = await th.client().fetch('/login');
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
