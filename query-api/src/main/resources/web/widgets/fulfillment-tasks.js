// <fulfillment-tasks>: the task buttons for the agent desktop (Webex Contact Center layout
// "comp": "fulfillment-tasks"). Buttons come from GET /fulfillment/tasks; a press posts one request
// (an Idempotency-Key per press) under the current interaction, and its state follows live from the
// customer's stream. Properties (or attributes): isDarkMode, ani, email, psid, username,
// interactionId, apiBase, token.
(function () {
  const here = (document.currentScript && document.currentScript.src)
    || (document.querySelector('script[src*="fulfillment-tasks.js"]') || {}).src || window.location.href;
  import(new URL('history-client.js', here).href).then((lib) => define(lib, here));

  function define(lib, scriptUrl) {
    if (customElements.get('fulfillment-tasks')) return;
    const { h } = lib;
    const PROPS = ['isDarkMode', 'ani', 'email', 'psid', 'username', 'interactionId', 'apiBase', 'token'];
    const ATTRS = { 'is-dark-mode': 'isDarkMode', ani: 'ani', email: 'email', psid: 'psid', username: 'username',
      'interaction-id': 'interactionId', 'api-base': 'apiBase' };
    const LABELS = { sending: 'Sending…', requested: 'Requested', retrying: 'Retrying', succeeded: 'Succeeded',
      failed: 'Failed', refused: 'Not sent' };

    class FulfillmentTasks extends HTMLElement {
      static get observedAttributes() { return Object.keys(ATTRS); }

      constructor() {
        super();
        this._props = {};
        this._tasks = [];
        this._requests = []; // newest first: {key, task, id, state, detail, parent}
        this._busy = new Set();
        this._generation = 0;
        this.attachShadow({ mode: 'open' });
      }

      connectedCallback() {
        lib.adoptProperties(this, PROPS);
        this._connected = true;
        this._reload();
      }

      disconnectedCallback() {
        this._connected = false;
        if (this._live) this._live.close();
      }

      attributeChangedCallback(name, old, value) { this[ATTRS[name]] = value; }

      _set(name, value) {
        if (this._props[name] === value) return;
        this._props[name] = value;
        if (name === 'isDarkMode') {
          this.setAttribute('data-theme', lib.truthy(value) ? 'dark' : 'light');
          this._render();
        } else if (name !== 'interactionId') {
          this._reload();
        }
      }

      _reload() {
        if (!this._connected || this._pending) return;
        this._pending = true;
        queueMicrotask(() => { this._pending = false; this._start(); });
      }

      async _start() {
        if (this._live) this._live.close();
        this._live = null;
        const generation = ++this._generation;
        const p = this._props;
        this._api = new lib.Api(lib.resolveApiBase(p.apiBase, scriptUrl), p.token);
        this._customer = null;
        this._error = null;
        this._notice = 'Loading tasks…';
        this._render();
        try {
          const { json } = await this._api.request('/fulfillment/tasks', { onWait: (s) => this._waiting(s) });
          if (generation !== this._generation) return;
          this._tasks = (Array.isArray(json) ? json : []).filter((t) => t && t.active !== false);
          const query = { username: p.username, ani: p.ani, email: p.email, psid: p.psid };
          if (!Object.values(query).some((v) => v && String(v).trim())) {
            this._notice = 'Waiting for a caller before tasks can be run.';
            return this._render();
          }
          const profile = await this._api.lookup(query, (s) => this._waiting(s));
          if (generation !== this._generation) return;
          if (!profile) {
            this._notice = 'No customer found: tasks need a known customer.';
            return this._render();
          }
          this._customer = profile;
          this._notice = this._tasks.length ? null : 'No tasks are configured.';
          this._live = new lib.LiveTimeline(this._api, profile.username, {
            onReady: () => this._refreshAll(),
            onAdded: (event) => this._heard(event),
            onReset: () => {},
            onState: (state) => { this._state = state; this._render(); },
          }).start();
          this._render();
        } catch (e) {
          if (generation === this._generation) { this._error = e.message; this._notice = null; this._render(); }
        }
      }

      _waiting(seconds) {
        this._notice = 'The service is busy; retrying in ' + seconds + ' s…';
        this._render();
      }

      /** The interaction an action belongs to: the desktop's interactionId, else the newest parent event. */
      async _eventParent() {
        if (this._props.interactionId) return String(this._props.interactionId);
        const page = await this._api.page(this._customer.username, { limit: 200 });
        for (let i = page.events.length - 1; i >= 0; i--) if (!page.events[i].parent) return page.events[i].id;
        return '';
      }

      async _press(task) {
        if (this._busy.has(task.id) || !this._customer) return; // a double click is one request
        this._busy.add(task.id);
        const request = { key: lib.newKey(), task, id: null, state: 'sending', detail: '', parent: '' };
        this._requests.unshift(request);
        this._render();
        try {
          request.parent = await this._eventParent();
          const c = this._customer;
          const { json } = await this._api.request('/fulfillment', {
            method: 'POST',
            headers: { 'Idempotency-Key': request.key },
            body: { task: task.id || task.name, username: c.username, msisdn: c.msisdn || c.ani || this._props.ani || '',
              preferredChannel: c.preferredChannel || '', eventParent: request.parent },
          });
          request.id = json && json.id;
          request.state = 'requested';
          this._refresh(request);
        } catch (e) {
          request.state = 'refused';
          request.detail = e.message;
        } finally {
          this._busy.delete(task.id);
          this._render();
        }
      }

      /** A child event under a request's interaction naming its task: ask for that request's state. */
      _heard(event) {
        for (const request of this._requests) {
          if (request.id && !final(request.state) && event.parent === request.parent
              && typeof event.note === 'string' && event.note.startsWith(request.task.name)) {
            this._refresh(request);
          }
        }
      }

      _refreshAll() {
        this._requests.filter((r) => r.id && !final(r.state)).forEach((r) => this._refresh(r));
      }

      async _refresh(request) {
        try {
          const { json } = await this._api.request('/fulfillment/' + encodeURIComponent(request.id));
          const state = json.state === 'pending' ? 'requested' : json.state;
          if (LABELS[state]) request.state = state;
          const attempts = Array.isArray(json.attempts) ? json.attempts : [];
          const last = attempts[attempts.length - 1];
          request.detail = state === 'failed' || state === 'retrying'
            ? (last && (last.error || last.outcome || last.status) ? String(last.error || last.outcome || last.status) : '')
            : '';
          this._render();
        } catch (e) {
          // the next stream event or reconnect asks again
        }
      }

      _render() {
        if (!this.shadowRoot) return;
        const focused = this.shadowRoot.activeElement && this.shadowRoot.activeElement.dataset.key;
        const title = 'Fulfillment tasks';
        const status = this._customer
          ? h('span', { class: 'status', 'data-state': this._state, role: 'status', 'aria-live': 'polite' },
            this._state === 'live' ? 'Live' : this._state === 'reconnecting' ? 'Reconnecting…' : 'Connecting…')
          : null;
        const buttons = h('div', { class: 'buttons', role: 'group', 'aria-label': 'Tasks' }, this._tasks.map((task) =>
          h('button', { type: 'button', 'data-key': 'task-' + task.id, 'data-task': task.name,
            disabled: !this._customer || this._busy.has(task.id), onclick: () => this._press(task) }, task.name)));
        const log = this._requests.length ? h('ul', { class: 'requests', 'aria-label': 'Requests', 'aria-live': 'polite' },
          this._requests.map((r) => h('li', { class: 'request', 'data-state': r.state, 'data-task': r.task.name,
            role: r.state === 'refused' || r.state === 'failed' ? 'alert' : null },
          h('span', { class: 'name' }, r.task.name),
          h('span', { class: 'state' }, LABELS[r.state] || r.state),
          r.detail ? h('span', { class: 'detail' }, r.detail) : null))) : null;
        const wrap = h('section', { class: 'wrap', 'aria-label': title },
          h('header', {}, h('h2', {}, title), status),
          this._error ? h('p', { class: 'message error', role: 'alert' }, this._error) : null,
          this._notice ? h('p', { class: 'message' }, this._notice) : null,
          this._tasks.length ? buttons : null, log);
        this.shadowRoot.replaceChildren(h('style', {}, lib.THEME_CSS + CSS), wrap);
        if (focused) {
          const again = this.shadowRoot.querySelector('[data-key="' + (window.CSS && CSS.escape ? CSS.escape(focused) : focused) + '"]');
          if (again) again.focus();
        }
      }
    }
    PROPS.forEach((name) => Object.defineProperty(FulfillmentTasks.prototype, name, {
      get() { return this._props[name]; },
      set(value) { this._set(name, value); },
      configurable: true,
    }));

    function final(state) { return state === 'succeeded' || state === 'failed' || state === 'refused'; }

    const CSS = `
      .buttons { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 10px; }
      .requests { list-style: none; margin: 0; padding: 0; }
      .request { display: flex; flex-wrap: wrap; gap: 8px; align-items: baseline; padding: 6px 8px; border: 1px solid var(--line);
        border-radius: 6px; margin-bottom: 6px; background: var(--card); }
      .request .name { font-weight: 600; }
      .request .state { font-size: 12px; padding: 1px 8px; border-radius: 10px; border: 1px solid currentColor; }
      .request[data-state="succeeded"] .state { color: var(--ok); }
      .request[data-state="retrying"] .state { color: var(--warn); }
      .request[data-state="failed"] .state, .request[data-state="refused"] .state { color: var(--bad); }
      .detail { color: var(--muted); font-size: 12px; flex-basis: 100%; }
    `;
    customElements.define('fulfillment-tasks', FulfillmentTasks);
  }
})();
