import {
  isImageId,
  isValidImageRef,
  normalizeImageRef,
  repositoryOf,
} from '../../../server/catalog/image-ref';
import { DEFAULT_ICON } from '../../../server/catalog/default-icon';
import { encodePng, pngSize } from '../../../server/catalog/png';

const HEX = 'ab'.repeat(32);
const DIGEST = `sha256:${'c'.repeat(64)}`;

describe('normalizeImageRef', () => {
  it.each([
    ['foo', 'foo:latest'],
    ['foo:1.0', 'foo:1.0'],
    ['  foo:1.0  ', 'foo:1.0'],
    ['sim/app', 'sim/app:latest'],
    ['docker.io/library/foo', 'foo:latest'],
    ['docker.io/library/foo:2', 'foo:2'],
    ['index.docker.io/library/foo:2', 'foo:2'],
    ['docker.io/sim/app:3', 'sim/app:3'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['localhost:5000/app:7', 'localhost:5000/app:7'],
    [`foo@${DIGEST}`, `foo@${DIGEST}`],
    [`foo:1@${DIGEST}`, `foo:1@${DIGEST}`],
    [HEX, `sha256:${HEX}`],
    [`sha256:${HEX}`, `sha256:${HEX}`],
  ])('%j → %j', (input, output) => {
    expect(normalizeImageRef(input)).toBe(output);
  });
});

describe('isValidImageRef', () => {
  it.each([
    'foo',
    'foo:latest',
    'sim/app:v1.2_3-rc',
    'reg.example.com:5000/a/b/c:t',
    `a@${DIGEST}`,
    HEX,
    `sha256:${HEX}`,
    'a__b',
    'a--b',
  ])('accepts %j', (ref) => expect(isValidImageRef(ref)).toBe(true));

  it.each([
    '',
    'Foo',
    'foo:',
    'foo:-bad',
    'foo bar',
    '/foo',
    'foo/',
    'foo//bar',
    'foo;rm -rf',
    'a@sha256:short',
    `${'a'.repeat(600)}`,
    'foo:' + 't'.repeat(129),
  ])('rejects %j', (ref) => expect(isValidImageRef(ref)).toBe(false));
});

describe('isImageId', () => {
  it('knows ids from names', () => {
    expect(isImageId(HEX)).toBe(true);
    expect(isImageId(`sha256:${HEX}`)).toBe(true);
    expect(isImageId('foo:latest')).toBe(false);
    expect(isImageId(HEX.slice(0, 12))).toBe(false);
  });
});

describe('repositoryOf', () => {
  it.each([
    ['foo:latest', 'foo'],
    ['foo', 'foo'],
    ['reg:5000/a/b:1.0', 'reg:5000/a/b'],
    ['reg:5000/a/b', 'reg:5000/a/b'],
    [`a/b:1@${DIGEST}`, 'a/b'],
  ])('%j → %j', (ref, repo) => expect(repositoryOf(ref)).toBe(repo));
});

describe('png', () => {
  it('reads the size of PNGs it encodes, including the default icon', () => {
    expect(pngSize(encodePng(3, 5, () => [0, 0, 0, 0]))).toEqual({ width: 3, height: 5 });
    expect(pngSize(DEFAULT_ICON)).toEqual({ width: 128, height: 128 });
  });

  it('refuses what is not a whole PNG', () => {
    const png = encodePng(2, 2, () => [1, 2, 3, 4]);
    expect(pngSize(png.subarray(0, png.length - 1))).toBeNull();
    expect(
      pngSize(Buffer.from('not a png at all, but long enough to be checked properly')),
    ).toBeNull();
    expect(pngSize(Buffer.alloc(0))).toBeNull();
  });
});
