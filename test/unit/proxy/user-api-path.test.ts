import { isProxyUrl, isUserApiUrl } from '../../../server/proxy/path';

/** Which paths under /user/ are SimPhoNy's API (Koa) rather than a container (the proxy). */
describe('isUserApiUrl', () => {
  it.each([
    '/user/alice/api/v1/applications/',
    '/user/alice/api/v1/containers/0123/',
    '/user/alice/api',
    '/user/alice/%61pi/v1/containers/',
    '/user/alice/API/../api/v1/',
    '//user/alice/api/v1/',
    '/user/alice/containers/x/../../api/v1/',
    '/user/alice\\api\\v1',
  ])('claims %s for the API', (p) => {
    expect(isUserApiUrl(p)).toBe(true);
  });

  it.each([
    '/user/alice/containers/0123/api/v1/',
    '/user/alice/api/../containers/0123/',
    '/user/api/containers/0123/',
    '/api/v1/containers',
    '/user/alice/apis/v1',
    '/user/alice/containers/0123/..%2f..%2fapi/v1/',
    '/user/alice/%zz/api',
    'user/alice/api/v1',
  ])('leaves %s alone', (p) => {
    expect(isUserApiUrl(p)).toBe(false);
  });

  it('still leaves container paths to the proxy', () => {
    expect(
      isProxyUrl('/user/alice/containers/0123/') && !isUserApiUrl('/user/alice/containers/0123/'),
    ).toBe(true);
  });
});
