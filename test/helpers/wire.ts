import type { z, ZodTypeAny } from 'zod';

/**
 * Checks an API answer against its wire schema (server/api/wire): every declared field with the
 * declared type, and no field the schema leaves out (zod drops those, so the parse would differ).
 * Returns the answer typed by the schema.
 */
export function expectWire<S extends ZodTypeAny>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`answer does not match its wire schema: ${problems.join('; ')}`);
  }
  expect(parsed.data).toEqual(body);
  return parsed.data;
}
