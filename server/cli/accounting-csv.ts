import { parsePolicy } from '../catalog/grants';
import type { Policy } from '../catalog/policy';
import { BadRequest } from '../errors';
import { clip } from '../log';

/**
 * SimPhoNy-Remote's CSV accounting format (its `remoteappmanager/db/csv_db.py`): one grant a
 * row, a header row naming the columns in any order, extra columns ignored. Booleans are
 * written `1`/`0` and an unset text field is empty. Quoting is RFC 4180's, which Python's `csv`
 * module reads and writes: a field holding a comma, a quote or a line break is put in double
 * quotes, with its quotes doubled.
 */
export const ACCOUNTING_HEADERS = [
  'user.name',
  'application.image',
  'policy.app_license',
  'policy.allow_home',
  'policy.allow_view',
  'policy.allow_common',
  'policy.volume_source',
  'policy.volume_target',
  'policy.volume_mode',
  'policy.allow_startup_data',
] as const;

/** One grant read from a CSV file, with the line its row starts on (for messages). */
export interface AccountingRecord {
  line: number;
  user: string;
  image: string;
  policy: Policy;
}

/** A CSV record and the line (1-based) it starts on; a quoted field may span lines. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** Splits CSV text into records. Blank lines are skipped; an unclosed quote is an error. */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const s = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let line = 1;
  let i = 0;
  while (i < s.length) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let quotedField = false;
    for (;;) {
      const ch = s[i];
      if (ch === '"' && field === '' && !quotedField) {
        quotedField = true;
        i++;
        for (;;) {
          if (i >= s.length) {
            throw new BadRequest(`line ${start}: a quoted field is never closed (missing ")`);
          }
          const c = s[i];
          if (c === '"') {
            if (s[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (i < s.length && s[i] !== ',' && s[i] !== '\n' && s[i] !== '\r') {
          throw new BadRequest(
            `line ${line}: text after a closing quote; write a quote inside a quoted field as ""`,
          );
        }
        continue;
      }
      if (i >= s.length || ch === '\n' || ch === '\r') {
        fields.push(field);
        if (ch === '\r' && s[i + 1] === '\n') i++;
        if (i < s.length) {
          i++;
          line++;
        }
        break;
      }
      if (ch === ',') {
        fields.push(field);
        field = '';
        quotedField = false;
        i++;
        continue;
      }
      field += ch;
      i++;
    }
    if (!(fields.length === 1 && fields[0] === '' && !quotedField)) {
      records.push({ line: start, fields });
    }
  }
  return records;
}

function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Writes records as CSV with CRLF line ends, as Python's csv.writer does. */
export function formatCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((r) => r.map(csvField).join(',') + '\r\n').join('');
}

/** SimPhoNy writes 1 and 0; true/false and an empty field (false) are read too. */
function readBoolean(value: string, column: string, line: number): boolean {
  const v = value.trim().toLowerCase();
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false' || v === '') return false;
  throw new BadRequest(`line ${line}: ${column}: expected 1 or 0, got "${clip(value, 40)}"`);
}

/**
 * Reads SimPhoNy's accounting CSV into grants, checking every row before any is used: a missing
 * header, a bad value or a grant given twice is an error naming the line, so an import can be
 * all or nothing.
 */
export function readAccountingCsv(text: string): AccountingRecord[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new BadRequest(`the file is empty; its first line must name the columns`);
  const names = header.fields.map((h) => h.trim());
  const missing = ACCOUNTING_HEADERS.filter((h) => !names.includes(h));
  if (missing.length) {
    throw new BadRequest(
      `line ${header.line}: missing column(s) ${missing.join(', ')}; the header must name ` +
        ACCOUNTING_HEADERS.join(', '),
    );
  }
  const col = Object.fromEntries(ACCOUNTING_HEADERS.map((h) => [h, names.indexOf(h)])) as Record<
    (typeof ACCOUNTING_HEADERS)[number],
    number
  >;
  const seen = new Map<string, number>();
  return rows.map(({ line, fields }) => {
    if (fields.length < names.length) {
      throw new BadRequest(
        `line ${line}: ${fields.length} field(s), but the header names ${names.length} columns`,
      );
    }
    const get = (h: (typeof ACCOUNTING_HEADERS)[number]) => fields[col[h]];
    const user = get('user.name').trim();
    const image = get('application.image').trim();
    if (!user) throw new BadRequest(`line ${line}: user.name is empty`);
    if (!image) throw new BadRequest(`line ${line}: application.image is empty`);
    let policy: Policy;
    try {
      policy = parsePolicy({
        app_license: get('policy.app_license'),
        allow_home: readBoolean(get('policy.allow_home'), 'policy.allow_home', line),
        allow_view: readBoolean(get('policy.allow_view'), 'policy.allow_view', line),
        allow_common: readBoolean(get('policy.allow_common'), 'policy.allow_common', line),
        volume_source: get('policy.volume_source'),
        volume_target: get('policy.volume_target'),
        volume_mode: get('policy.volume_mode'),
        allow_startup_data: readBoolean(
          get('policy.allow_startup_data'),
          'policy.allow_startup_data',
          line,
        ),
      });
    } catch (err) {
      if (err instanceof BadRequest && !err.message.startsWith('line ')) {
        throw new BadRequest(`line ${line}: ${err.message}`);
      }
      throw err;
    }
    const key = JSON.stringify([user, image, policy]);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new BadRequest(
        `line ${line}: the same grant as line ${first} (${clip(user, 64)}, ${clip(image, 80)}, same policy)`,
      );
    }
    seen.set(key, line);
    return { line, user, image, policy };
  });
}

const flag = (b: boolean) => (b ? '1' : '0');

/** Grants as SimPhoNy's accounting CSV, header first. */
export function writeAccountingCsv(
  grants: ReadonlyArray<{ user: string; image: string; policy: Policy }>,
): string {
  return formatCsv([
    ACCOUNTING_HEADERS,
    ...grants.map(({ user, image, policy: p }) => [
      user,
      image,
      p.app_license ?? '',
      flag(p.allow_home),
      flag(p.allow_view),
      flag(p.allow_common),
      p.volume_source ?? '',
      p.volume_target ?? '',
      p.volume_mode ?? '',
      flag(p.allow_startup_data),
    ]),
  ]);
}
