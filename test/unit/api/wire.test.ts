import type { UserView } from '../../../server/auth/users';
import type { TokenInfo as StoredTokenInfo } from '../../../server/auth/tokens';
import type { Configurable as CatalogConfigurable } from '../../../server/catalog/configurables';
import type { GrantView } from '../../../server/catalog/grants';
import { POLICY_FIELDS, type Policy as CatalogPolicy } from '../../../server/catalog/policy';
import type { AdminImageView, ImageView, UserPolicyView } from '../../../server/catalog/views';
import { toView, type Managed } from '../../../server/spawner/container-view';
import type { ProgressEvent as SpawnProgressEvent } from '../../../server/spawner/progress';
import * as W from '../../../server/api/wire';
import { expectWire } from '../../helpers/wire';

/**
 * The types the server builds its answers from must be the wire's, field for field: a field
 * added on one side only fails the type check of this file (`npx tsc`), not just a test run.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <A, B>(proof: Same<A, B>) => proof;

describe('the wire schemas', () => {
  it('describe exactly the types the server answers with', () => {
    expect([
      same<CatalogPolicy, W.Policy>(true),
      same<UserPolicyView, W.UserPolicy>(true),
      same<GrantView, W.Grant>(true),
      same<CatalogConfigurable, W.Configurable>(true),
      same<ImageView, W.Image>(true),
      same<Omit<W.RegisteredApplication, 'created_at'>, AdminImageView>(true),
      same<SpawnProgressEvent, W.ProgressEvent>(true),
      same<UserView, W.User>(true),
      same<StoredTokenInfo, W.TokenInfo>(true),
    ]).not.toContain(false);
  });

  it('match the container JSON the spawner builds, with and without idle culling', () => {
    const rec: Managed = {
      urlId: 'ab'.repeat(16),
      user: 'alice@example.org',
      mappingId: 'cd'.repeat(16),
      image: 'hub/terminal:latest',
      uiName: 'Terminal',
      status: 'running',
      startedAt: new Date('2026-12-01T10:00:00Z'),
    };
    const culled = expectWire(W.Container, toView(rec, Date.parse('2026-12-01T10:05:00Z'), 600));
    expect(culled.cull_at).toBe('2026-12-01T10:15:00.000Z');
    const kept = expectWire(W.Container, toView(rec, Date.now(), 0));
    expect(kept.cull_at).toBeNull();
    expectWire(W.AdminContainer, { ...kept, user: rec.user, warm: false });
  });

  it('take every policy field the catalogue knows, and no other', () => {
    expect(Object.keys(W.PolicyInput.shape).sort()).toEqual([...POLICY_FIELDS].sort());
    expect(Object.keys(W.Policy.shape).sort()).toEqual([...POLICY_FIELDS].sort());
  });

  it('refuse unknown fields in request bodies, naming them', () => {
    const result = W.ContainerStart.safeParse({ mapping_id: 'a'.repeat(32), image: 'evil' });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('image');
    expect(W.TokenCreate.safeParse({ expires_in: 0 }).error?.issues[0].message).toBe(
      'expires_in: seconds, more than 0',
    );
  });

  it('accept the error shape with extra details, as 429 answers carry retry_after', () => {
    const body = { error: { code: 'too_many_requests', message: 'wait', retry_after: 60 } };
    expect(W.ErrorBody.parse(body)).toEqual(body);
  });
});
