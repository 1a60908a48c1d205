import { containerLocation, urlIdOfResource } from '../../../server/api/simphony-location';

const ID = '0123456789abcdef0123456789abcdef';

/** What remoteapprest 2.2 does with the Location (remoteapprest.py, `start`). */
function remoteapprestPrints(location: string): string {
  const parsed = new URL(location);
  const parts = parsed.pathname.split('_');
  if (parts.length !== 2) throw new Error('ValueError: too many values to unpack');
  const [path, port] = parts;
  return `${parsed.protocol}//${parsed.hostname}:${port.replace(/\/+$/, '')}${path.split('/api/v1').join('')}`;
}

describe('the Location of a SimPhoNy start', () => {
  it.each([
    ['http://127.0.0.1:8000', 'alice', `http://127.0.0.1:8000/user/alice/containers/${ID}`],
    ['http://hub.example', 'alice', `http://hub.example:80/user/alice/containers/${ID}`],
    ['https://hub.example', 'a.b-c', `https://hub.example:443/user/a.b-c/containers/${ID}`],
    ['https://hub.example:8443', 'bob_s', `https://hub.example:8443/user/bob%5Fs/containers/${ID}`],
  ])('from %s for %s turns into the app address in remoteapprest', (origin, user, printed) => {
    const location = containerLocation(origin, user, ID);
    expect(remoteapprestPrints(location)).toBe(printed);
    const name = location.split('/containers/')[1].replace(/\/$/, '');
    expect(urlIdOfResource(name)).toBe(ID);
  });

  it.each([
    [ID, ID],
    [`${ID}_80`, ID],
    [`${ID}_65535`, ID],
    [`${ID}_123456`, `${ID}_123456`],
    [`${ID}_`, `${ID}_`],
    [`${ID}_x80`, `${ID}_x80`],
    [`${ID.toUpperCase()}_80`, `${ID.toUpperCase()}_80`],
    [`_80`, `_80`],
    [`${ID}_80_80`, `${ID}_80_80`],
  ])('reads the url_id of the resource %s as %s', (id, urlId) => {
    expect(urlIdOfResource(id)).toBe(urlId);
  });
});
