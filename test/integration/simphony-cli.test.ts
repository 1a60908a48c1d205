import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ACCOUNTING_HEADERS } from '../../server/cli/accounting-csv';
import { appLabels, TestImages } from '../helpers/images';

const ROOT = path.join(__dirname, '..', '..');

/** The `hub` CLI in remoteappdb's spellings and SimPhoNy's CSV, on real SQLite and Docker. */
describe('hub CLI: SimPhoNy-Remote spellings and CSV accounting', () => {
  const images = new TestImages();
  const dirA = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-simphony-cli-a-'));
  const dirB = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-simphony-cli-b-'));
  const volumeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-simphony-vol-'));
  const cli = (dir: string, args: string[], input = '') =>
    spawnSync(path.join(ROOT, 'bin', 'hub'), args, {
      input,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HUB_DATA_DIR: dir, DOCKER_HOST: process.env.DOCKER_HOST },
    });
  const ok = (dir: string, args: string[], input = '') => {
    const r = cli(dir, args, input);
    if (r.status !== 0) throw new Error(`hub ${args.join(' ')}: ${r.status} ${r.stderr}`);
    return r.stdout;
  };
  let ref = '';

  beforeAll(async () => {
    ref = (await images.build('simcli', { labels: appLabels({ ui_name: 'Sim', type: 'webapp' }) }))
      .ref;
    for (const dir of [dirA, dirB]) {
      for (const name of ['markdoe', 'johndoe'])
        ok(dir, ['user', 'create', name], 'password-123\n');
      ok(dir, ['app', 'create', ref]);
    }
  });
  afterAll(() => images.removeAll());

  it("grants with remoteappdb's options, lists with --show-apps, revokes by policy", () => {
    ok(dirA, [
      'app',
      'grant',
      ref,
      'markdoe',
      '--app_license',
      'KEY, "quoted"',
      '--allow-home',
      '--allow-view',
      '--volume',
      `${volumeRoot}:/data:rw`,
      '--allow-startup-data',
    ]);
    ok(dirA, ['app', 'grant', ref, 'markdoe']);
    ok(dirA, ['app', 'grant', ref, 'johndoe', '--allow-view']);
    const grants = JSON.parse(ok(dirA, ['app', 'list', '--user', 'markdoe', '--json']));
    expect(grants.map((g: { policy: unknown }) => g.policy)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          app_license: 'KEY, "quoted"',
          allow_home: true,
          allow_view: true,
          // remoteappdb sets allow_common whenever a volume is given.
          allow_common: true,
          volume_source: volumeRoot,
          volume_target: '/data',
          volume_mode: 'rw',
          allow_startup_data: true,
        }),
        expect.objectContaining({ allow_home: false, allow_view: false, allow_common: false }),
      ]),
    );

    const table = ok(dirA, ['user', 'list', '--show-apps']).split('\n');
    expect(table[0]).toMatch(/^NAME\s+APP\s+HOME\s+VIEW\s+COMMON\s+VOL\. SOURCE/);
    expect(table.filter((l) => l.includes(ref))).toHaveLength(3);
    expect(table.find((l) => l.startsWith('johndoe'))).toMatch(/false\s+true\s+false/);

    // Two grants on the image: which one must be said, as remoteappdb's revoke does.
    const ambiguous = cli(dirA, ['app', 'revoke', ref, 'markdoe']);
    expect(ambiguous.status).toBe(1);
    expect(ambiguous.stderr).toMatch(/has 2 grants .* --revoke-all/);
    const none = cli(dirA, ['app', 'revoke', ref, 'markdoe', '--allow-view']);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/no grant on .* with that policy/);
    expect(ok(dirA, ['app', 'revoke', ref, 'johndoe', '--allow-view'])).toMatch(/revoked 1/);
    expect(ok(dirA, ['app', 'revoke', ref, 'markdoe', '--revoke-all'])).toMatch(/revoked 2/);
    expect(JSON.parse(ok(dirA, ['app', 'list', '--grants', '--json']))).toEqual([]);
  });

  it('exports, and imports into another hub the same grants (round trip)', () => {
    ok(dirA, ['app', 'grant', ref, 'markdoe', '--app_license', 'L,"1"', '--allow-home']);
    ok(dirA, ['app', 'grant', ref, 'johndoe', '--volume', `${volumeRoot}:/common:ro`]);
    const file = path.join(dirA, 'accounting.csv');
    ok(dirA, ['app', 'export', file]);
    const csv = fs.readFileSync(file, 'utf8');
    expect(csv.split('\r\n')[0]).toBe(ACCOUNTING_HEADERS.join(','));
    expect(ok(dirA, ['app', 'export'])).toBe(csv);

    expect(ok(dirB, ['app', 'import', file])).toMatch(/imported 2 grant\(s\) from 2 row\(s\)/);
    const policies = (dir: string) =>
      (
        JSON.parse(ok(dir, ['app', 'list', '--grants', '--json'])) as Array<{
          user: string;
          image: string;
          policy: unknown;
        }>
      ).map(({ user, image, policy }) => ({ user, image, policy }));
    expect(policies(dirB)).toEqual(policies(dirA));
    expect(ok(dirB, ['app', 'export'])).toBe(csv);
    // The same file again changes nothing.
    expect(ok(dirB, ['app', 'import', file])).toMatch(/imported 0 .*; 2 were granted already/);
  });

  it('refuses a bad file naming the line, and imports none of it', () => {
    const before = ok(dirB, ['app', 'export']);
    const header = ACCOUNTING_HEADERS.join(',');
    const bad = (name: string, text: string) => {
      const file = path.join(dirB, name);
      fs.writeFileSync(file, text);
      const r = cli(dirB, ['app', 'import', file]);
      expect(r.status).toBe(1);
      expect(ok(dirB, ['app', 'export'])).toBe(before);
      return r.stderr;
    };
    expect(bad('missing.csv', `user.name,application.image\nmarkdoe,${ref}\n`)).toMatch(
      /line 1: missing column\(s\) policy\.app_license/,
    );
    expect(
      bad('row.csv', `${header}\nmarkdoe,${ref},,0,1,0,,,,0\nmarkdoe,${ref},,maybe,0,0,,,,0\n`),
    ).toMatch(/line 3: policy\.allow_home: expected 1 or 0, got "maybe"/);
    expect(
      bad('dup.csv', `${header}\njohndoe,${ref},,0,1,0,,,,1\njohndoe,${ref},,0,1,0,,,,1\n`),
    ).toMatch(/line 3: the same grant as line 2/);
    // A good row before an unknown user: nothing of the file is imported.
    expect(
      bad('user.csv', `${header}\njohndoe,${ref},,1,1,0,,,,1\nnobody,${ref},,0,0,0,,,,0\n`),
    ).toMatch(/line 3: no user named "nobody"/);
    expect(bad('image.csv', `${header}\njohndoe,hub-test/unregistered:1,,0,0,0,,,,0\n`)).toMatch(
      /line 2: hub-test\/unregistered:1 is not a registered application/,
    );
    expect(cli(dirB, ['app', 'import', path.join(dirB, 'absent.csv')]).stderr).toMatch(
      /cannot read .*absent\.csv: ENOENT/,
    );
  });
});
