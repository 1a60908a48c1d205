import { css } from 'lit';

/** Layout shared by the admin pages: a heading row, sections, inline forms. */
export const pageStyles = css`
  :host {
    display: block;
  }
  .head {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: 0.5rem 1rem;
    margin-bottom: 1rem;
  }
  .head h1,
  .head h2 {
    margin: 0;
  }
  section {
    margin-bottom: 2rem;
  }
  .form-grid {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr));
    gap: 0 1rem;
    align-items: start;
  }
  .form-grid .field.wide {
    grid-column: 1 / -1;
  }
  .form-actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
    margin-bottom: 0.9rem;
  }
  .warnings {
    margin: 0;
    padding-left: 1.1rem;
    color: var(--c-busy-text);
  }
  .nowrap {
    white-space: nowrap;
  }
  .mono {
    font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'Liberation Mono', monospace;
    font-size: 0.85rem;
    overflow-wrap: anywhere;
  }
`;
