// cognito-harness web view: poll /_harness/changes once a second; when a call has been answered
// since the page was rendered, fetch the page again and swap its <main> in, keeping open
// <details> open. The server escapes every text it puts in the page; nothing here builds markup.
'use strict';
(() => {
  const status = document.getElementById('status');
  let seen = document.querySelector('main').dataset.changes;

  const refresh = async () => {
    const response = await fetch('/_harness/', { cache: 'no-store' });
    const fresh = new DOMParser()
      .parseFromString(await response.text(), 'text/html')
      .querySelector('main');
    if (!fresh) return;
    const current = document.querySelector('main');
    const open = new Set(
      [...current.querySelectorAll('details[open][data-key]')].map((d) => d.dataset.key));
    for (const details of fresh.querySelectorAll('details[data-key]')) {
      if (open.has(details.dataset.key)) details.open = true;
    }
    current.replaceWith(document.adoptNode(fresh));
    seen = fresh.dataset.changes;
  };

  const poll = async () => {
    try {
      const response = await fetch('/_harness/changes', { cache: 'no-store' });
      const changes = await response.json();
      if (`${changes.calls}:${changes.lastRun}` !== seen) await refresh();
      status.textContent = `live: ${changes.calls} calls answered`;
      status.className = 'live';
    } catch (e) {
      status.textContent = 'serve is not answering';
      status.className = 'down';
    }
    setTimeout(poll, 1000);
  };
  poll();
})();
