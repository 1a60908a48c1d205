/**
 * Image references as the catalogue keys them. Docker lists `RepoTags` as `name:tag` with the
 * Docker Hub prefix removed, so `foo`, `foo:latest` and `docker.io/library/foo:latest` must all
 * become `foo:latest` before they are stored or looked up.
 */

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const HOST_PART = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const DOMAIN = `(?:${HOST_PART}(?:\\.${HOST_PART})*(?::[0-9]+)?/)?`;
const REFERENCE = new RegExp(
  `^${DOMAIN}${COMPONENT}(?:/${COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`,
);
const IMAGE_ID = /^(?:sha256:)?([a-f0-9]{64})$/;
const HUB_PREFIXES = [
  'docker.io/library/',
  'index.docker.io/library/',
  'docker.io/',
  'index.docker.io/',
];

/** Longest reference accepted; Docker's own limit on a repository name is 255. */
export const MAX_IMAGE_REF_LENGTH = 512;

/** True for `sha256:<64 hex>` or the bare 64 hex digits of an image id. */
export function isImageId(ref: string): boolean {
  return IMAGE_ID.test(ref);
}

/** True when `ref` is a syntactically valid image reference or image id. */
export function isValidImageRef(ref: string): boolean {
  return ref.length <= MAX_IMAGE_REF_LENGTH && (isImageId(ref) || REFERENCE.test(ref));
}

/**
 * The one normaliser: ids become `sha256:<hex>`; names lose the Docker Hub prefix and gain
 * `:latest` when they carry neither tag nor digest. Invalid input is returned trimmed, unchanged,
 * so callers validate with `isValidImageRef` first when the input comes from a person.
 */
export function normalizeImageRef(input: string): string {
  const ref = input.trim();
  const id = IMAGE_ID.exec(ref);
  if (id) return `sha256:${id[1]}`;
  let name = ref;
  for (const prefix of HUB_PREFIXES) {
    if (name.startsWith(prefix)) {
      name = name.slice(prefix.length);
      break;
    }
  }
  if (name.includes('@')) return name;
  const lastSlash = name.lastIndexOf('/');
  const hasTag = name.indexOf(':', lastSlash + 1) !== -1;
  return hasTag ? name : `${name}:latest`;
}

/** The repository part of a reference: `reg:5000/a/b:1.0@sha256:…` → `reg:5000/a/b`. */
export function repositoryOf(ref: string): string {
  const noDigest = ref.split('@')[0];
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? noDigest : noDigest.slice(0, colon);
}
