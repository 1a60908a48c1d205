import { escapeHtml } from '../../../server/web/html';
import { loginFallback } from '../../../server/web/spa';

describe('escapeHtml', () => {
  it('escapes <\'&"> and backticks', () => {
    expect(escapeHtml(`<a href='x' title="y">&\``)).toBe(
      '&#60;a href=&#39;x&#39; title=&#34;y&#34;&#62;&#38;&#96;',
    );
  });
  it('escapes values placed in the fallback login page', () => {
    const html = loginFallback(`"><script>alert('x')</script>`, `<b>&</b>`);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(html).toContain('value="&#34;&#62;&#60;script&#62;');
  });
});
