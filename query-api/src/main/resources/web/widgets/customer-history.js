// <customer-history>: a customer's timeline for the agent desktop (Webex Contact Center layout
// "comp": "customer-history"). Classic script, no build: it loads the shared module next to it and
// talks to the API on its own origin unless apiBase says otherwise. Properties (or attributes):
// isDarkMode, ani, email, psid, username, interactionId, apiBase, token, order ("newest-first" |
// "oldest-first"), pageSize.
(function () {
  const here = (document.currentScript && document.currentScript.src)
    || (document.querySelector('script[src*="customer-history.js"]') || {}).src || window.location.href;
  import(new URL('history-client.js', here).href).then((lib) => define(lib, here));

  function define(lib, scriptUrl) {
    if (customElements.get('customer-history')) return;
    const { h } = lib;
    const PROPS = ['isDarkMode', 'ani', 'email', 'psid', 'username', 'interactionId', 'apiBase', 'token', 'order', 'pageSize'];
    const ATTRS = { 'is-dark-mode': 'isDarkMode', ani: 'ani', email: 'email', psid: 'psid', username: 'username',
      'interaction-id': 'interactionId', 'api-base': 'apiBase', order: 'order', 'page-size': 'pageSize' };

    class CustomerHistory extends HTMLElement {
      static get observedAttributes() { return Object.keys(ATTRS); }

      constructor() {
        super();
        this._props = {};
        this._events = new Map();
        this._expanded = new Set();
        this._generation = 0;
        this.attachShadow({ mode: 'open' });
      }

      connectedCallback() {
        lib.adoptProperties(this, PROPS);
        this._connected = true;
        this._clock = setInterval(() => this._render(), 60000);
        this._reload();
      }

      disconnectedCallback() {
        this._connected = false;
        clearInterval(this._clock);
        this._stop();
      }

      attributeChangedCallback(name, old, value) { this[ATTRS[name]] = value; }

      _set(name, value) {
        if (this._props[name] === value) return;
        this._props[name] = value;
        if (name === 'isDarkMode') this._theme();
        else if (name === 'order' || name === 'interactionId') this._render();
        else this._reload();
      }

      _theme() {
        this.setAttribute('data-theme', lib.truthy(this._props.isDarkMode) ? 'dark' : 'light');
        this._render();
      }

      /** Several properties usually arrive together: look up once. */
      _reload() {
        if (!this._connected || this._pending) return;
        this._pending = true;
        queueMicrotask(() => { this._pending = false; this._start(); });
      }

      _stop() {
        if (this._live) this._live.close();
        this._live = null;
      }

      async _start() {
        this._stop();
        const generation = ++this._generation;
        this._events.clear();
        this._next = null;
        this._customer = null;
        this._error = null;
        this._loaded = false;
        this._state = 'offline';
        const p = this._props;
        this._api = new lib.Api(lib.resolveApiBase(p.apiBase, scriptUrl), p.token);
        const query = { username: p.username, ani: p.ani, email: p.email, psid: p.psid };
        if (!Object.values(query).some((v) => v && String(v).trim())) {
          this._notice = 'Waiting for a caller: no phone number, e-mail or messenger id yet.';
          return this._render();
        }
        this._notice = 'Looking the customer up…';
        this._render();
        try {
          const profile = await this._api.lookup(query, (s) => this._waiting(s, generation));
          if (generation !== this._generation) return;
          if (!profile) {
            this._notice = 'No customer found for ' + describe(query) + '.';
            return this._render();
          }
          this._customer = profile;
          this._notice = 'Loading the timeline…';
          this._render();
          this._live = new lib.LiveTimeline(this._api, profile.username, {
            onReady: (ready) => { if (!ready.resumed || !this._loaded) this._loadFirstPage(generation); },
            onAdded: (event) => { this._events.set(event.id, event); this._render(); this._emit('history-event', event); },
            onReset: () => { this._generation++; this._events.clear(); this._next = null; this._loaded = true;
              this._notice = null; this._render(); },
            onState: (state) => { this._state = state; this._render(); },
          }).start();
        } catch (e) {
          if (generation === this._generation) this._fail(e);
        }
      }

      _waiting(seconds, generation) {
        if (generation !== this._generation) return;
        this._notice = 'The history service is busy; retrying in ' + seconds + ' s…';
        this._render();
      }

      async _loadFirstPage(generation) {
        const pageGeneration = this._generation;
        try {
          const page = await this._api.page(this._customer.username, { limit: this.pageSize },
            (s) => this._waiting(s, generation));
          if (pageGeneration !== this._generation) return; // a reset came meanwhile: that page is stale
          page.events.forEach((event) => this._events.set(event.id, event));
          this._next = page.next;
          this._loaded = true;
          this._notice = null;
          this._render();
        } catch (e) {
          this._fail(e);
        }
      }

      async _loadOlder() {
        if (!this._next) return;
        const pageGeneration = this._generation;
        this._loadingOlder = true;
        this._render();
        try {
          const page = await this._api.page(this._customer.username, { next: this._next });
          if (pageGeneration !== this._generation) return;
          page.events.forEach((event) => { if (!this._events.has(event.id)) this._events.set(event.id, event); });
          this._next = page.next;
        } catch (e) {
          this._error = e.message;
        }
        this._loadingOlder = false;
        this._render();
      }

      _fail(e) {
        this._error = e.status === 401 || e.status === 403 ? 'Not allowed to read this history (' + e.message + ').' : e.message;
        this._render();
      }

      _emit(name, detail) {
        this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
      }

      /** Parents (with their children), current interaction first, then in the configured order. */
      _groups() {
        const all = [...this._events.values()];
        const byTime = (a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0);
        const parents = all.filter((e) => !e.parent || !this._events.has(e.parent)).sort(byTime);
        const children = new Map();
        all.filter((e) => e.parent && this._events.has(e.parent)).sort(byTime).forEach((e) => {
          if (!children.has(e.parent)) children.set(e.parent, []);
          children.get(e.parent).push(e);
        });
        const tops = parents.filter((e) => !e.parent);
        const current = tops.find((e) => e.id === this._props.interactionId) || tops[tops.length - 1];
        const ordered = this.order === 'oldest-first' ? parents : [...parents].reverse();
        const list = current ? [current, ...ordered.filter((e) => e !== current)] : ordered;
        return { list, children, current };
      }

      _render() {
        if (!this.shadowRoot) return;
        const focused = this.shadowRoot.activeElement && this.shadowRoot.activeElement.dataset.key;
        const title = this._customer ? 'History of ' + (this._customer.name || this._customer.username) : 'Customer history';
        const status = this._customer
          ? h('span', { class: 'status', 'data-state': this._state, role: 'status', 'aria-live': 'polite' },
            this._state === 'live' ? 'Live' : this._state === 'reconnecting' ? 'Reconnecting…' : 'Connecting…')
          : null;
        const body = [];
        if (this._error) body.push(h('p', { class: 'message error', role: 'alert' }, this._error));
        if (this._notice) body.push(h('p', { class: 'message' }, this._notice));
        else if (this._customer && this._loaded && this._events.size === 0) {
          body.push(h('p', { class: 'message' }, 'No history yet for this customer.'));
        }
        if (this._customer && this._events.size > 0) body.push(this._timeline());
        if (this._next) {
          body.push(h('button', { class: 'older', 'data-key': 'older', disabled: this._loadingOlder,
            onclick: () => this._loadOlder() }, this._loadingOlder ? 'Loading…' : 'Load older events'));
        }
        const wrap = h('section', { class: 'wrap', 'aria-label': title },
          h('header', {}, h('h2', {}, title), status), ...body);
        this.shadowRoot.replaceChildren(h('style', {}, lib.THEME_CSS + CSS), wrap);
        if (focused) {
          const again = this.shadowRoot.querySelector('[data-key="' + CSS_ESCAPE(focused) + '"]');
          if (again) again.focus();
        }
      }

      _timeline() {
        const { list, children, current } = this._groups();
        const now = Date.now();
        return h('ol', { class: 'timeline', 'aria-label': 'Interactions' }, list.map((event) => {
          const kids = children.get(event.id) || [];
          const isCurrent = event === current;
          const open = this._expanded.has(event.id) !== isCurrent; // the current one starts open
          const listId = 'children-' + event.id.replace(/[^A-Za-z0-9_-]/g, '_');
          return h('li', { class: 'item' + (isCurrent ? ' current' : ''), 'data-id': event.id },
            row(event, now, isCurrent ? 'Current interaction' : (event.parent ? 'Part of an earlier interaction' : null)),
            kids.length ? h('button', { class: 'toggle', 'aria-expanded': String(open), 'aria-controls': listId,
              'data-key': 'toggle-' + event.id, onclick: () => { this._toggle(event.id); } },
            (open ? 'Hide ' : 'Show ') + kids.length + (kids.length === 1 ? ' event' : ' events')) : null,
            kids.length ? h('ol', { class: 'children', id: listId, hidden: !open },
              kids.map((child) => h('li', { class: 'child', 'data-id': child.id }, row(child, now)))) : null);
        }));
      }

      _toggle(id) {
        if (this._expanded.has(id)) this._expanded.delete(id); else this._expanded.add(id);
        this._render();
      }

      get order() { return this._props.order === 'oldest-first' ? 'oldest-first' : 'newest-first'; }
      get pageSize() { return Math.min(1000, Math.max(10, parseInt(this._props.pageSize, 10) || 200)); }
    }
    PROPS.forEach((name) => {
      const existing = Object.getOwnPropertyDescriptor(CustomerHistory.prototype, name);
      Object.defineProperty(CustomerHistory.prototype, name, {
        get: existing && existing.get ? existing.get : function () { return this._props[name]; },
        set: function (value) { this._set(name, value); },
        configurable: true,
      });
    });

    function row(event, now, label) {
      const time = lib.formatTime(event.timestamp, now);
      const source = lib.SOURCES[event.source];
      const link = event.link ? lib.safeLink(event.link) : null;
      return h('div', { class: 'row' },
        lib.sourceIcon(event.source),
        h('div', { class: 'body' },
          label ? h('span', { class: 'badge' }, label) : null,
          h('div', { class: 'meta' },
            h('strong', {}, source ? source.name : (event.source || 'unknown')),
            event.channel ? h('span', { class: 'channel' }, event.channel) : null,
            h('time', { datetime: event.timestamp, title: time.local }, time.local),
            h('span', { class: 'relative' }, time.relative)),
          event.note ? h('p', { class: 'note' }, event.note) : null,
          link ? h('p', { class: 'link' }, link) : (event.link ? h('p', { class: 'link' }, event.link) : null)));
    }

    function describe(query) {
      if (query.ani) return 'phone ' + query.ani;
      if (query.email) return 'e-mail ' + query.email;
      return 'messenger id ' + query.psid;
    }

    const CSS_ESCAPE = (value) => (window.CSS && CSS.escape ? CSS.escape(value) : value);
    const CSS = `
      .timeline, .children { list-style: none; margin: 0; padding: 0; }
      .item { border: 1px solid var(--line); border-radius: 8px; padding: 8px; margin: 0 0 8px; background: var(--card); }
      .item.current { border-color: var(--accent); }
      .row { display: flex; gap: 10px; align-items: flex-start; }
      .body { min-width: 0; flex: 1; }
      .meta { display: flex; flex-wrap: wrap; gap: 6px; align-items: baseline; }
      .channel, .relative { color: var(--muted); font-size: 12px; }
      time { font-size: 12px; }
      .badge { display: inline-block; font-size: 11px; color: var(--accent); font-weight: 600; margin-bottom: 2px; }
      .note { margin: 2px 0 0; white-space: pre-wrap; overflow-wrap: anywhere; }
      .link { margin: 2px 0 0; overflow-wrap: anywhere; font-size: 13px; }
      .toggle { margin: 6px 0 0 36px; font-size: 12px; padding: 2px 8px; }
      .children { margin: 6px 0 0 36px; border-left: 2px solid var(--line); padding-left: 10px; }
      .child { padding: 6px 0; }
      .older { width: 100%; }
    `;
    customElements.define('customer-history', CustomerHistory);
  }
})();
