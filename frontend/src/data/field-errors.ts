import { ApiError, messageOf } from './api';

/** A problem with one form field, in words for the person who typed it. */
export interface FieldError {
  /** The field's API name (`password`, `volume_source`...); null when no field is named. */
  field: string | null;
  message: string;
}

// The server names the field it judged first ("policy: pids_limit: at least 1"), for API
// clients. A form shows the message next to that field instead, so the prefix goes.
const FIELD_PREFIX = /^((?:[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*: )+)([\s\S]*)$/;

/** Splits a server message into the field it names and a plain sentence. */
export function splitFieldMessage(message: string): FieldError {
  const m = FIELD_PREFIX.exec(message);
  if (!m) return { field: null, message: sentence(message) };
  const path = m[1].slice(0, -2).split(': ');
  const last = path[path.length - 1].split('.');
  return { field: last[last.length - 1], message: sentence(m[2]) };
}

/** An API failure as a field error when the server named a field (4xx), else a general one. */
export function fieldErrorOf(err: unknown): FieldError {
  if (err instanceof ApiError && err.status >= 400 && err.status < 500)
    return splitFieldMessage(err.message);
  return { field: null, message: sentence(messageOf(err)) };
}

/** Upper-case first letter, a full stop at the end. */
export function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const s = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?:]$/.test(s) ? s : `${s}.`;
}
