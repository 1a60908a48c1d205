/** The configurables a warm start may repeat: the screen size only. */
export interface RepeatableConfigurables {
  resolution: string;
}

/**
 * The part of a start's configurables worth repeating when the app is warmed next time (kept in
 * the audit entry of the start): the screen size, which the portal fits to the user's window, so
 * the next start from the same screen asks for it again. Startup data names one file for one
 * session and is never repeated. Accepts SimPhoNy's nested form as starts do.
 */
export function repeatableConfigurables(input: unknown): RepeatableConfigurables | undefined {
  if (!input || typeof input !== 'object') return undefined;
  let res = (input as { resolution?: unknown }).resolution;
  if (res && typeof res === 'object') res = (res as { resolution?: unknown }).resolution;
  return typeof res === 'string' && res.length <= 32 ? { resolution: res } : undefined;
}
