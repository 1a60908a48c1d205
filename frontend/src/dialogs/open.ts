/**
 * Opens the portal's dialogs. Each dialog's code is loaded on first use (dynamic import), so
 * the launcher's first paint does not pay for them. A dialog element is appended to the body,
 * answers with a `closed` event carrying its result, and is then removed; focus goes back to
 * where it was, so keyboard users keep their place.
 */

/** The element that really has focus, looking inside shadow roots. */
function deepActiveElement(): HTMLElement | null {
  let el: Element | null = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  return el instanceof HTMLElement ? el : null;
}

async function show<T>(tag: string, props: Record<string, unknown>): Promise<T> {
  const back = deepActiveElement();
  const el = document.createElement(tag);
  Object.assign(el, props);
  const result = new Promise<T>((resolve) => {
    el.addEventListener(
      'closed',
      (e) => {
        el.remove();
        if (back?.isConnected) back.focus();
        resolve((e as CustomEvent<T>).detail);
      },
      { once: true },
    );
  });
  document.body.append(el);
  return result;
}

/** What a confirmation asks. */
export interface ConfirmOptions {
  title: string;
  message: string;
  confirmLabel: string;
  /** The action destroys something: the confirm button is red. */
  danger?: boolean;
}

/** Asks the user to confirm; true when they did. */
export async function confirmAction(opts: ConfirmOptions): Promise<boolean> {
  await import('./confirm-dialog');
  return show<boolean>('hub-confirm-dialog', {
    heading: opts.title,
    message: opts.message,
    confirmLabel: opts.confirmLabel,
    danger: opts.danger ?? false,
  });
}

/**
 * Asks to confirm, offering one extra choice as a checkbox (unticked at first), e.g. "also
 * remove the image"; `items` lists what would go. `checked` is false when not confirmed.
 */
export async function confirmWithChoice(
  opts: ConfirmOptions & { choice: string; items?: string[] },
): Promise<{ ok: boolean; checked: boolean }> {
  await import('./confirm-dialog');
  const r = await show<{ ok: boolean; checked: boolean }>('hub-confirm-dialog', {
    heading: opts.title,
    message: opts.message,
    confirmLabel: opts.confirmLabel,
    danger: opts.danger ?? false,
    choice: opts.choice,
    items: opts.items ?? [],
  });
  return { ok: r.ok, checked: r.ok && r.checked };
}

/** Asks to confirm an action on the listed things; the list is shown in full. */
export async function confirmList(opts: ConfirmOptions & { items: string[] }): Promise<boolean> {
  await import('./confirm-dialog');
  return show<boolean>('hub-confirm-dialog', {
    heading: opts.title,
    message: opts.message,
    confirmLabel: opts.confirmLabel,
    danger: opts.danger ?? false,
    items: opts.items,
  });
}

/** Asks an admin for a new password for `user`; null when cancelled. */
export async function askPassword(user: string): Promise<string | null> {
  await import('./password-dialog');
  return show<string | null>('hub-password-dialog', { user });
}

/** Shows a container's logs (admin). */
export async function showLogs(urlId: string, title: string): Promise<void> {
  await import('./logs-dialog');
  await show<void>('hub-logs-dialog', { urlId, heading: title });
}

/** Shows a running desktop app inside the portal, full height, with keyboard focus. */
export async function openEmbedded(url: string, title: string): Promise<void> {
  await import('./embed-view');
  await show<void>('hub-embed-view', { url, heading: title });
}

/** Shares a running app: new links, the live ones with who is connected, revoke. */
export async function openShareDialog(
  urlId: string,
  title: string,
  appType: string | null,
): Promise<void> {
  await import('./share-dialog');
  await show<void>('hub-share-dialog', { urlId, heading: title, appType });
}
