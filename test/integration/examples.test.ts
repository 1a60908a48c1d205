import { ADMIN, bootHub } from '../helpers/hub';
import { appLabels, TestImages } from '../helpers/images';

describe('a new install offers the example images to the first admin', () => {
  const images = new TestImages();
  afterAll(() => images.removeAll());

  it('registers and grants the examples that exist, skips the missing ones, and only on first start', async () => {
    const { ref } = await images.build('example', {
      labels: appLabels({ ui_name: 'Example app', type: 'webapp' }),
    });
    let th = await bootHub({ example_images: [ref, 'hub-test/missing-example:latest'] });
    try {
      const admin = await th.loginAs(ADMIN.name, ADMIN.password);
      const apps =
        await admin.json<
          Array<{ image: { name: string; ui_name: string }; policy: { allow_home: boolean } }>
        >('/api/v1/applications');
      expect(apps.body).toEqual([
        expect.objectContaining({
          image: expect.objectContaining({ name: ref, ui_name: 'Example app' }),
          policy: expect.objectContaining({ allow_home: true }),
        }),
      ]);
      // The admin removes the grant; a restart must not bring it back.
      const grants = await admin.json<Array<{ mapping_id: string }>>('/api/v1/admin/accounting');
      expect(
        (
          await admin.fetch(`/api/v1/admin/accounting/${grants.body[0].mapping_id}`, {
            method: 'DELETE',
          })
        ).status,
      ).toBe(204);
      th = await th.restart();
      const again = await (
        await th.loginAs(ADMIN.name, ADMIN.password)
      ).json<unknown[]>('/api/v1/applications');
      expect(again.body).toEqual([]);
    } finally {
      await th.close();
    }
  });
});
