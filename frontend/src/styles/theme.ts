import { css } from 'lit';

/**
 * Shared look of every component (each shadow root adopts it). Colours are picked for at
 * least 4.5:1 contrast on their backgrounds; focus is always visible as a thick ring, because
 * keyboard users must see where they are.
 */
export const theme = css`
  :host {
    --c-text: #1f2937;
    --c-muted: #4b5563;
    --c-bg: #f3f4f6;
    --c-surface: #ffffff;
    --c-border: #d1d5db;
    --c-primary: #1d4ed8;
    --c-primary-hover: #1e40af;
    --c-primary-text: #ffffff;
    --c-danger: #b91c1c;
    --c-danger-hover: #991b1b;
    --c-focus: #2563eb;
    --c-ok-bg: #dcfce7;
    --c-ok-text: #14532d;
    --c-busy-bg: #fef3c7;
    --c-busy-text: #78350f;
    --c-bad-bg: #fee2e2;
    --c-bad-text: #7f1d1d;
    --c-idle-bg: #e5e7eb;
    --c-idle-text: #374151;
    --c-info-bg: #dbeafe;
    --c-info-text: #1e3a8a;
    --radius: 8px;
    color: var(--c-text);
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  :focus-visible {
    outline: 3px solid var(--c-focus);
    outline-offset: 2px;
  }
  [hidden] {
    display: none !important;
  }
  h1,
  h2,
  h3 {
    line-height: 1.25;
    margin: 0 0 0.75rem;
  }
  h1 {
    font-size: 1.5rem;
  }
  h2 {
    font-size: 1.2rem;
  }
  h3 {
    font-size: 1.05rem;
  }
  p {
    margin: 0 0 0.75rem;
  }
  a {
    color: var(--c-primary);
  }
  a:hover {
    color: var(--c-primary-hover);
  }
  code,
  pre {
    font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'Liberation Mono', monospace;
    font-size: 0.875em;
  }

  .btn {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 0.4rem;
    min-height: 2.5rem;
    padding: 0.4rem 0.9rem;
    border-radius: 6px;
    border: 1px solid var(--c-border);
    background: var(--c-surface);
    color: var(--c-text);
    font: inherit;
    font-weight: 600;
    line-height: 1.2;
    cursor: pointer;
    text-decoration: none;
    white-space: nowrap;
  }
  .btn:hover {
    background: #f9fafb;
    color: var(--c-text);
  }
  .btn.primary {
    background: var(--c-primary);
    border-color: var(--c-primary);
    color: var(--c-primary-text);
  }
  .btn.primary:hover {
    background: var(--c-primary-hover);
  }
  .btn.danger {
    background: var(--c-surface);
    border-color: var(--c-danger);
    color: var(--c-danger);
  }
  .btn.danger:hover {
    background: #fef2f2;
  }
  .btn.danger.solid {
    background: var(--c-danger);
    color: #fff;
  }
  .btn.danger.solid:hover {
    background: var(--c-danger-hover);
  }
  .btn.small {
    min-height: 2rem;
    padding: 0.2rem 0.6rem;
    font-size: 0.875rem;
  }
  .btn:disabled,
  .btn[aria-disabled='true'] {
    opacity: 0.55;
    cursor: not-allowed;
  }

  label {
    font-weight: 600;
  }
  .field {
    display: flex;
    flex-direction: column;
    gap: 0.25rem;
    margin-bottom: 0.9rem;
  }
  .field .hint {
    font-size: 0.875rem;
    color: var(--c-muted);
    font-weight: normal;
  }
  .check {
    display: flex;
    align-items: center;
    gap: 0.5rem;
    font-weight: normal;
    margin-bottom: 0.6rem;
  }
  .check input {
    width: 1.1rem;
    height: 1.1rem;
    margin: 0;
  }
  input[type='text'],
  input[type='password'],
  input[type='search'],
  input[type='date'],
  input[type='number'],
  select,
  textarea {
    font: inherit;
    color: var(--c-text);
    background: var(--c-surface);
    border: 1px solid #6b7280;
    border-radius: 6px;
    padding: 0.45rem 0.6rem;
    min-height: 2.5rem;
    width: 100%;
  }
  input[aria-invalid='true'],
  select[aria-invalid='true'] {
    border-color: var(--c-danger);
    box-shadow: 0 0 0 1px var(--c-danger);
  }
  .field .field-error {
    color: var(--c-danger);
    font-size: 0.875rem;
    font-weight: 600;
    overflow-wrap: anywhere;
  }

  .card {
    background: var(--c-surface);
    border: 1px solid var(--c-border);
    border-radius: var(--radius);
    padding: 1rem;
  }

  .alert {
    border-radius: 6px;
    padding: 0.7rem 0.9rem;
    margin: 0 0 1rem;
    border: 1px solid transparent;
    /* A long path, image reference or token in a message must wrap, not leave its card. */
    overflow-wrap: anywhere;
    min-width: 0;
  }
  .alert .btn {
    white-space: normal;
    max-width: 100%;
  }
  .alert.error {
    background: var(--c-bad-bg);
    color: var(--c-bad-text);
    border-color: #fca5a5;
  }
  .alert.warn {
    background: var(--c-busy-bg);
    color: var(--c-busy-text);
    border-color: #fcd34d;
  }
  .alert.info {
    background: var(--c-info-bg);
    color: var(--c-info-text);
    border-color: #93c5fd;
  }
  .alert.ok {
    background: var(--c-ok-bg);
    color: var(--c-ok-text);
    border-color: #86efac;
  }

  .badge {
    display: inline-block;
    padding: 0.1rem 0.55rem;
    border-radius: 999px;
    font-size: 0.8rem;
    font-weight: 700;
    white-space: nowrap;
    background: var(--c-idle-bg);
    color: var(--c-idle-text);
  }
  .badge.ok {
    background: var(--c-ok-bg);
    color: var(--c-ok-text);
  }
  .badge.busy {
    background: var(--c-busy-bg);
    color: var(--c-busy-text);
  }
  .badge.bad {
    background: var(--c-bad-bg);
    color: var(--c-bad-text);
  }
  .badge.info {
    background: var(--c-info-bg);
    color: var(--c-info-text);
  }

  .table-wrap {
    overflow-x: auto;
    background: var(--c-surface);
    border: 1px solid var(--c-border);
    border-radius: var(--radius);
  }
  table {
    border-collapse: collapse;
    width: 100%;
    font-size: 0.925rem;
  }
  th,
  td {
    text-align: left;
    padding: 0.55rem 0.75rem;
    border-bottom: 1px solid #e5e7eb;
    vertical-align: top;
  }
  th {
    background: #f9fafb;
    font-weight: 700;
    white-space: nowrap;
  }
  tbody th {
    background: none;
    white-space: normal;
  }
  tr:last-child td,
  tr:last-child th {
    border-bottom: none;
  }
  td.actions {
    white-space: nowrap;
  }
  td.actions .btn + .btn {
    margin-left: 0.35rem;
  }
  /* On phones a table's rows become cards: each cell labelled by its data-label. */
  @media (max-width: 640px) {
    table.stack thead {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip: rect(0, 0, 0, 0);
    }
    table.stack,
    table.stack tbody,
    table.stack tr,
    table.stack td,
    table.stack tbody th {
      display: block;
      width: 100%;
    }
    table.stack tr {
      padding: 0.5rem 0;
      border-bottom: 1px solid #e5e7eb;
    }
    table.stack tr:last-child {
      border-bottom: none;
    }
    table.stack td,
    table.stack tbody th {
      position: relative;
      border: none;
      padding: 0.25rem 0.75rem 0.25rem 8.25rem;
      min-height: 1.9rem;
      white-space: normal;
    }
    table.stack td::before,
    table.stack tbody th::before {
      content: attr(data-label);
      position: absolute;
      /* The cell may be monospace (image names); its label is not. */
      font:
        700 0.875rem/1.6 system-ui,
        -apple-system,
        'Segoe UI',
        Roboto,
        'Noto Sans',
        sans-serif;
      left: 0.75rem;
      width: 7rem;
      color: var(--c-muted);
    }
    table.stack td.actions {
      padding-left: 0.75rem;
      display: flex;
      flex-wrap: wrap;
      gap: 0.4rem;
    }
    table.stack td.actions::before {
      display: none;
    }
    td.actions .btn + .btn {
      margin-left: 0;
    }
  }
  .muted {
    color: var(--c-muted);
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.6rem;
    align-items: center;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0, 0, 0, 0);
    white-space: nowrap;
    border: 0;
  }
`;
