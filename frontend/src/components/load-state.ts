import { html } from 'lit';
import './error-state';
import './loading-state';

/** How a section names its data while it loads or after its load failed. */
export interface LoadText {
  /** Heading of the error state, e.g. "Could not load the users". */
  heading: string;
  /** Text beside the spinner, e.g. "Loading users…". */
  label: string;
  /** What the error state's Retry button runs. */
  retry: () => void;
}

/**
 * A section's body by where its data stands: the error with a Retry when `error` is set, a
 * loading placeholder while there is no data, else `render(data)`. Pages that keep showing old
 * data when a reload fails pass an empty `error` while they have data.
 */
export function loadedOr<T>(
  data: T | null | undefined,
  error: string,
  text: LoadText,
  render: (data: T) => unknown,
): unknown {
  if (error)
    return html`<hub-error
      heading=${text.heading}
      .message=${error}
      @retry=${text.retry}
    ></hub-error>`;
  if (data === null || data === undefined)
    return html`<hub-loading label=${text.label}></hub-loading>`;
  return render(data);
}
