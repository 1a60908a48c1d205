import { spawnSync } from 'node:child_process';
import { parsePolicy } from '../../../server/catalog/grants';
import {
  ACCOUNTING_HEADERS,
  parseCsv,
  readAccountingCsv,
  writeAccountingCsv,
} from '../../../server/cli/accounting-csv';
import { BadRequest } from '../../../server/errors';

const HEADER = ACCOUNTING_HEADERS.join(',');

function rejects(text: string): string {
  try {
    readAccountingCsv(text);
  } catch (err) {
    expect(err).toBeInstanceOf(BadRequest);
    return (err as Error).message;
  }
  throw new Error('expected the CSV to be rejected');
}

const GRANTS = [
  {
    user: 'markdoe',
    image: 'simphonyproject/simphony-mayavi:0.6.0',
    policy: parsePolicy({ allow_home: true, allow_view: true }),
  },
  {
    user: 'markdoe',
    image: 'simphonyproject/ubuntu-image:latest',
    policy: parsePolicy({
      allow_home: true,
      allow_common: true,
      volume_source: '/srv/common data',
      volume_target: '/target',
      volume_mode: 'rw',
      allow_startup_data: true,
    }),
  },
  {
    user: 'johndoe',
    image: 'simphonyproject/simphony-mayavi:0.6.0',
    // Commas, quotes, a line break and edge spaces: everything that needs quoting.
    policy: parsePolicy({ app_license: ' KEY,"2024"\nline two ' }),
  },
];

describe('SimPhoNy accounting CSV', () => {
  it('round-trips grants: written, read back, the same', () => {
    const text = writeAccountingCsv(GRANTS);
    expect(text.split('\r\n')[0]).toBe(HEADER);
    expect(text).toContain('," KEY,""2024""\nline two ",');
    expect(readAccountingCsv(text).map(({ line: _line, ...g }) => g)).toEqual(GRANTS);
  });

  it('writes booleans as 1/0 and unset fields empty, as SimPhoNy does', () => {
    const [, first] = writeAccountingCsv(GRANTS).split('\r\n');
    expect(first).toBe('markdoe,simphonyproject/simphony-mayavi:0.6.0,,1,1,0,,,,0');
  });

  it("is read by Python's csv module as SimPhoNy's reader sees it", () => {
    const py = spawnSync(
      'python3',
      ['-c', 'import csv,sys,json; print(json.dumps(list(csv.reader(sys.stdin))))'],
      { input: writeAccountingCsv(GRANTS), encoding: 'utf8' },
    );
    expect(py.status).toBe(0);
    const rows = JSON.parse(py.stdout) as string[][];
    expect(rows[0]).toEqual([...ACCOUNTING_HEADERS]);
    expect(rows[3][2]).toBe(' KEY,"2024"\nline two ');
    expect(rows[2].slice(6, 9)).toEqual(['/srv/common data', '/target', 'rw']);
  });

  it("reads what Python's csv.writer writes", () => {
    const py = spawnSync(
      'python3',
      [
        '-c',
        'import csv,sys; w=csv.writer(sys.stdout); ' +
          `w.writerow(${JSON.stringify([...ACCOUNTING_HEADERS])}); ` +
          `w.writerow(["ann","app:1",'L,"x"\\ny',"1","0","1","/s","/t","ro","1"])`,
      ],
      { encoding: 'utf8' },
    );
    expect(py.status).toBe(0);
    expect(readAccountingCsv(py.stdout)).toEqual([
      {
        line: 2,
        user: 'ann',
        image: 'app:1',
        policy: parsePolicy({
          app_license: 'L,"x"\ny',
          allow_home: true,
          allow_common: true,
          volume_source: '/s',
          volume_target: '/t',
          volume_mode: 'ro',
          allow_startup_data: true,
        }),
      },
    ]);
  });

  it('takes columns in any order, ignores extra ones and blank lines (csv_db.py does too)', () => {
    const text =
      'extra,policy.allow_startup_data,policy.volume_mode,policy.volume_target,' +
      'policy.volume_source,policy.allow_common,policy.allow_view,policy.allow_home,' +
      'policy.app_license,application.image,user.name\n' +
      'anything,0,ro,/target,/src,1,0,1,,app:1,markdoe\n\n';
    expect(readAccountingCsv(text)).toEqual([
      {
        line: 2,
        user: 'markdoe',
        image: 'app:1',
        policy: parsePolicy({
          allow_home: true,
          allow_common: true,
          volume_source: '/src',
          volume_target: '/target',
          volume_mode: 'ro',
        }),
      },
    ]);
  });

  it('numbers lines by where a record starts, counting line breaks inside quotes', () => {
    expect(parseCsv('a,b\r\n"x\ny",z\nlast,1').map((r) => r.line)).toEqual([1, 2, 4]);
  });
});

describe('SimPhoNy accounting CSV: bad input names the line', () => {
  it('a missing column', () => {
    expect(rejects('user.name,application.image\nann,app:1\n')).toMatch(
      /^line 1: missing column\(s\) policy\.app_license, policy\.allow_home, .*policy\.allow_startup_data; the header must name user\.name, /,
    );
  });

  it('an empty file', () => {
    expect(rejects('')).toMatch(/file is empty/);
  });

  it('a boolean that is not 1 or 0', () => {
    expect(rejects(`${HEADER}\nann,app:1,,1,0,0,,,,0\nbob,app:1,,yes,0,0,,,,0\n`)).toBe(
      'line 3: policy.allow_home: expected 1 or 0, got "yes"',
    );
  });

  it('a bad policy, with the field', () => {
    expect(rejects(`${HEADER}\nann,app:1,,0,0,1,relative,/t,ro,0\n`)).toBe(
      'line 2: policy: volume_source: must be an absolute path (start it with /)',
    );
    expect(rejects(`${HEADER}\nann,app:1,,0,0,1,/s,,ro,0\n`)).toBe(
      'line 2: policy: volume_target: give volume_source and volume_target together, or neither',
    );
  });

  it('a short row', () => {
    expect(rejects(`${HEADER}\nann,app:1,,0\n`)).toBe(
      'line 2: 4 field(s), but the header names 10 columns',
    );
  });

  it('an empty user or image', () => {
    expect(rejects(`${HEADER}\n,app:1,,0,0,0,,,,0\n`)).toBe('line 2: user.name is empty');
    expect(rejects(`${HEADER}\nann,,,0,0,0,,,,0\n`)).toBe('line 2: application.image is empty');
  });

  it('the same grant twice', () => {
    expect(
      rejects(`${HEADER}\nann,app:1,,1,0,0,,,,0\nbob,app:1,,1,0,0,,,,0\nann,app:1,,1,0,0,,,,0\n`),
    ).toBe('line 4: the same grant as line 2 (ann, app:1, same policy)');
  });

  it('an unclosed quote, with the line it opened on', () => {
    expect(rejects(`${HEADER}\nann,app:1,"KEY,0,0,0,,,,0\nbob\n`)).toBe(
      'line 2: a quoted field is never closed (missing ")',
    );
  });

  it('text after a closing quote', () => {
    expect(rejects(`${HEADER}\nann,app:1,"KEY"x,0,0,0,,,,0\n`)).toMatch(
      /^line 2: text after a closing quote/,
    );
  });
});
