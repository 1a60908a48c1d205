// The file browser's page script: upload with progress, rename in place, delete after a
// confirm, new folders. Every URL is relative to the folder shown (which ends in "/"), so the
// page works under whatever prefix and origin the hub serves it at. Every write sends the
// X-Hub-Filebrowser header, which the server requires and a foreign page cannot send.
'use strict';

const WRITE_HEADERS = { 'X-Hub-Filebrowser': '1' };
const NAME_MAX_BYTES = 255;
const $ = (id) => document.getElementById(id);
const entries = $('entries');
const statusLine = $('status');

function announce(text) {
  statusLine.textContent = text;
}

/** Why a name cannot be used, in words; '' when it can. The server checks the same. */
function nameProblem(name) {
  if (!name.trim()) return 'Enter a name.';
  if (name.includes('/')) return "A name cannot contain '/'.";
  if (name.includes('\0')) return 'A name cannot contain a NUL byte.';
  if (name === '.' || name === '..') return "'.' and '..' cannot be used as names.";
  if (new TextEncoder().encode(name).length > NAME_MAX_BYTES)
    return `The name is too long (at most ${NAME_MAX_BYTES} bytes).`;
  return '';
}

/** The server's plain-text message, or a sentence for answers that carry none. */
function messageOf(status, text) {
  if (text && text.length < 500 && !/^\s*</.test(text)) return text.trim();
  if (status === 0) return 'The connection broke off. Check that the app is still running, then try again.';
  if (status === 401 || status === 403) return 'You are not allowed to do this. Your session may have ended: reload the page.';
  if (status === 502 || status === 503 || status === 504) return 'The app does not answer right now. Try again in a moment.';
  return `Something went wrong (HTTP ${status}). Try again.`;
}

async function send(method, url, headers = {}) {
  let response;
  try {
    response = await fetch(url, { method, headers: { ...WRITE_HEADERS, ...headers } });
  } catch {
    return { ok: false, status: 0, message: messageOf(0, '') };
  }
  const text = await response.text();
  return { ok: response.ok, status: response.status, message: messageOf(response.status, text) };
}

const hrefOf = (name) => encodeURIComponent(name);
const rowOf = (name) => [...entries.rows].find((row) => row.dataset.name === name);

function showRowError(row, text) {
  const box = row.querySelector('.row-error');
  box.textContent = text;
  box.hidden = !text;
}

/** Re-reads the listing from the server and swaps the table body in place. */
async function refresh() {
  const response = await fetch('./', { cache: 'no-store' });
  if (!response.ok) return;
  const page = new DOMParser().parseFromString(await response.text(), 'text/html');
  const fresh = page.getElementById('entries');
  if (fresh) entries.replaceChildren(...fresh.childNodes);
  $('empty').hidden = entries.rows.length > 0;
}

// --- a confirm dialog (native <dialog>: modal, keeps focus inside, Escape cancels) ---------

const dialog = $('confirm');
function confirmAction(title, text, okLabel) {
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = okLabel;
  const opener = document.activeElement;
  dialog.returnValue = 'cancel';
  dialog.showModal();
  $('confirm-cancel').focus();
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        if (opener && opener.isConnected) opener.focus();
        resolve(dialog.returnValue === 'ok');
      },
      { once: true },
    );
  });
}

// --- delete -------------------------------------------------------------------------------

async function deleteEntry(row) {
  const name = row.dataset.name;
  const folder = row.dataset.kind === 'folder';
  const ok = await confirmAction(
    folder ? `Delete the folder “${name}”?` : `Delete “${name}”?`,
    folder
      ? 'The folder and everything in it will be deleted. This cannot be undone.'
      : 'The file will be deleted. This cannot be undone.',
    'Delete',
  );
  if (!ok) return;
  showRowError(row, '');
  const result = await send('DELETE', hrefOf(name) + (folder ? '/' : ''));
  if (!result.ok) {
    showRowError(row, result.message);
    return;
  }
  const next = row.nextElementSibling || row.previousElementSibling;
  row.remove();
  $('empty').hidden = entries.rows.length > 0;
  announce(`Deleted “${name}”.`);
  const focusTarget = next ? next.querySelector('a, button') : $('folder-title');
  focusTarget.focus();
}

// --- rename in place ------------------------------------------------------------------------

function startRename(row) {
  if (row.querySelector('form.rename')) return;
  const name = row.dataset.name;
  const cell = row.querySelector('td.name');
  const shown = cell.firstElementChild;
  const form = document.createElement('form');
  form.className = 'rename';
  form.noValidate = true;
  const id = `rename-${Math.random().toString(36).slice(2)}`;
  form.innerHTML =
    `<label class="sr-only" for="${id}"></label>` +
    `<input type="text" id="${id}" autocomplete="off" spellcheck="false">` +
    '<button type="submit" class="btn small primary">Save</button>' +
    '<button type="button" class="btn small" data-cancel>Cancel</button>';
  form.querySelector('label').textContent = `New name for ${name}`;
  const input = form.querySelector('input');
  input.value = name;
  input.setAttribute('aria-describedby', `${id}-error`);
  const error = row.querySelector('.row-error');
  error.id = `${id}-error`;
  shown.hidden = true;
  // Save and Cancel replace the row's buttons while the name is edited.
  row.classList.add('renaming');
  cell.insertBefore(form, shown);
  showRowError(row, '');
  input.focus();
  const dot = name.lastIndexOf('.');
  input.setSelectionRange(0, dot > 0 && row.dataset.kind !== 'folder' ? dot : name.length);

  const close = () => {
    form.remove();
    shown.hidden = false;
    row.classList.remove('renaming');
    input.removeAttribute('aria-invalid');
    row.querySelector('[data-action="rename"]').focus();
  };
  form.querySelector('[data-cancel]').addEventListener('click', () => {
    showRowError(row, '');
    close();
  });
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      showRowError(row, '');
      close();
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const wanted = input.value;
    if (wanted === name) return close();
    const problem = nameProblem(wanted);
    if (problem) {
      input.setAttribute('aria-invalid', 'true');
      showRowError(row, problem);
      input.focus();
      return;
    }
    const url = (overwrite) =>
      `${hrefOf(name)}?rename=${encodeURIComponent(wanted)}${overwrite ? '&overwrite=1' : ''}`;
    let result = await send('POST', url(false));
    if (result.status === 412) {
      const replace = await confirmAction(
        `Replace “${wanted}”?`,
        `A file named “${wanted}” already exists in this folder. Renaming “${name}” replaces it.`,
        'Replace',
      );
      if (!replace) {
        showRowError(row, `Not renamed: “${wanted}” already exists. Choose another name.`);
        input.focus();
        return;
      }
      result = await send('POST', url(true));
    }
    if (!result.ok) {
      input.setAttribute('aria-invalid', 'true');
      showRowError(row, result.message);
      input.focus();
      return;
    }
    await refresh();
    announce(`Renamed “${name}” to “${wanted}”.`);
    const renamed = rowOf(wanted);
    (renamed ? renamed.querySelector('[data-action="rename"]') : $('folder-title')).focus();
  });
}

entries.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const row = button.closest('tr');
  if (button.dataset.action === 'delete') deleteEntry(row);
  if (button.dataset.action === 'rename') startRename(row);
});

// --- uploads ----------------------------------------------------------------------------

const uploads = $('uploads');
const uploadList = $('upload-list');

/** PUTs one file with XHR, whose upload events give the progress bar; resolves {status, text}. */
function put(file, item, keepExisting) {
  const bar = item.querySelector('progress');
  const note = item.querySelector('.upload-state');
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', hrefOf(file.name));
    xhr.setRequestHeader('X-Hub-Filebrowser', '1');
    if (keepExisting) xhr.setRequestHeader('If-None-Match', '*');
    xhr.upload.addEventListener('progress', (event) => {
      if (!event.lengthComputable) return;
      const percent = Math.floor((event.loaded / event.total) * 100);
      bar.value = percent;
      note.textContent = `${percent} %`;
    });
    xhr.addEventListener('load', () => resolve({ status: xhr.status, text: xhr.responseText }));
    xhr.addEventListener('error', () => resolve({ status: 0, text: '' }));
    xhr.addEventListener('abort', () => resolve({ status: 0, text: 'The upload was cancelled.' }));
    xhr.send(file);
  });
}

function uploadItem(file) {
  const item = document.createElement('li');
  item.className = 'upload';
  item.innerHTML =
    '<span class="upload-name"></span><progress max="100" value="0"></progress>' +
    '<span class="upload-state">waiting</span>';
  item.querySelector('.upload-name').textContent = file.name;
  item.querySelector('progress').setAttribute('aria-label', `Upload of ${file.name}`);
  uploadList.append(item);
  return item;
}

async function uploadFiles(files) {
  if (!files.length) return;
  uploads.hidden = false;
  const queued = files.map((file) => [file, uploadItem(file)]);
  let done = 0;
  let skipped = 0;
  for (const [file, item] of queued) {
    const note = item.querySelector('.upload-state');
    const problem = nameProblem(file.name);
    if (problem) {
      item.classList.add('failed');
      note.textContent = `Not uploaded: ${problem}`;
      continue;
    }
    note.textContent = '0 %';
    let result = await put(file, item, true);
    if (result.status === 412) {
      const replace = await confirmAction(
        `Replace “${file.name}”?`,
        `A file named “${file.name}” already exists in this folder. Uploading replaces it.`,
        'Replace',
      );
      if (!replace) {
        item.classList.add('skipped');
        item.querySelector('progress').value = 0;
        note.textContent = 'Skipped: a file with this name is already here.';
        skipped += 1;
        continue;
      }
      result = await put(file, item, false);
    }
    if (result.status >= 200 && result.status < 300) {
      item.classList.add('done');
      item.querySelector('progress').value = 100;
      note.textContent = 'Uploaded';
      done += 1;
    } else {
      item.classList.add('failed');
      note.textContent = `Not uploaded: ${messageOf(result.status, result.text)}`;
    }
  }
  if (done) await refresh();
  const failed = queued.length - done - skipped;
  announce(
    `${done} of ${queued.length} file${queued.length === 1 ? '' : 's'} uploaded` +
      (skipped ? `; ${skipped} skipped` : '') +
      (failed ? `; ${failed} failed (see the list of uploads)` : '') +
      '.',
  );
}

const picker = $('upload-input');
$('upload-button').addEventListener('click', () => picker.click());
picker.addEventListener('change', () => {
  const files = [...picker.files];
  picker.value = '';
  uploadFiles(files);
});

// Drop files anywhere on the page.
document.addEventListener('dragover', (event) => {
  if (event.dataTransfer && [...event.dataTransfer.types].includes('Files')) {
    event.preventDefault();
    document.body.classList.add('dropping');
  }
});
document.addEventListener('dragleave', (event) => {
  if (!event.relatedTarget) document.body.classList.remove('dropping');
});
document.addEventListener('drop', (event) => {
  if (!event.dataTransfer || !event.dataTransfer.files.length) return;
  event.preventDefault();
  document.body.classList.remove('dropping');
  uploadFiles([...event.dataTransfer.files]);
});

// --- new folder -----------------------------------------------------------------------------

const mkdirForm = $('mkdir-form');
const mkdirName = $('mkdir-name');
const mkdirError = $('mkdir-error');
function showMkdirError(text) {
  mkdirError.textContent = text;
  mkdirError.hidden = !text;
  if (text) mkdirName.setAttribute('aria-invalid', 'true');
  else mkdirName.removeAttribute('aria-invalid');
}
mkdirForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = mkdirName.value;
  const problem = nameProblem(name);
  if (problem) {
    showMkdirError(problem);
    mkdirName.focus();
    return;
  }
  const result = await send('POST', `./?mkdir=${encodeURIComponent(name)}`);
  if (!result.ok) {
    showMkdirError(result.message);
    mkdirName.focus();
    return;
  }
  showMkdirError('');
  mkdirName.value = '';
  await refresh();
  announce(`Created the folder “${name}”.`);
});
