import { css } from 'lit';

/** The frame every modal dialog shares. */
export const dialogStyles = css`
  dialog {
    border: none;
    border-radius: 10px;
    padding: 0;
    width: min(32rem, calc(100vw - 2rem));
    max-height: calc(100vh - 2rem);
    box-shadow: 0 20px 50px rgba(0, 0, 0, 0.3);
    color: var(--c-text);
  }
  dialog::backdrop {
    background: rgba(17, 24, 39, 0.55);
  }
  .body {
    padding: 1.25rem;
  }
  h2 {
    margin: 0 0 0.75rem;
  }
  .buttons {
    display: flex;
    justify-content: flex-end;
    flex-wrap: wrap;
    gap: 0.5rem;
    margin-top: 1.25rem;
  }
`;
