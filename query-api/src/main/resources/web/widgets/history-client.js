// Shared by the customer-history and fulfillment-tasks widgets and the /ui/ page: the HTTP API
// (quiet retry on 503/429 with Retry-After), the live stream (EventSource, resumed by id), source
// icons, time formatting and safe DOM building. Plain ES module, no dependencies, no network call
// except to the API.

/** The API origin: the explicit property, else the origin this script was served from. */
export function resolveApiBase(explicit, scriptUrl) {
  if (explicit) return String(explicit).replace(/\/+$/, '');
  try { return new URL(scriptUrl).origin; } catch (e) { return window.location.origin; }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** An error the agent must see: status and the server's sentence. */
export class ApiError extends Error {
  constructor(status, message, details) {
    super(message);
    this.status = status;
    this.details = details || {};
  }
}

export class Api {
  constructor(base, token) {
    this.base = base;
    this.token = token || '';
  }

  url(path, params) {
    const url = new URL(path, this.base + '/');
    Object.entries(params || {}).forEach(([k, v]) => {
      if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
    });
    return url.toString();
  }

  /** fetch + JSON; 503/429 are retried quietly after Retry-After (onWait tells the UI), other errors thrown. */
  async request(path, { method = 'GET', params, body, headers = {}, onWait, attempts = 8 } = {}) {
    const init = { method, headers: { Accept: 'application/json', ...headers } };
    if (this.token) init.headers.Authorization = 'Bearer ' + this.token;
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    for (let attempt = 1; ; attempt++) {
      let response;
      try {
        response = await fetch(this.url(path, params), init);
      } catch (e) {
        if (attempt >= attempts) throw new ApiError(0, 'the service cannot be reached');
        if (onWait) onWait(1);
        await sleep(1000);
        continue;
      }
      if ((response.status === 503 || response.status === 429) && attempt < attempts) {
        const seconds = Math.min(30, Math.max(1, parseInt(response.headers.get('Retry-After') || '1', 10) || 1));
        if (onWait) onWait(seconds);
        await sleep(seconds * 1000);
        continue;
      }
      const text = await response.text();
      let json = null;
      try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
      if (!response.ok) {
        throw new ApiError(response.status, (json && json.error) || ('request failed (' + response.status + ')'),
          json && json.details);
      }
      return { json, headers: response.headers };
    }
  }

  /**
   * Finds the customer: username as given, else by ani, email or psid (URL-encoded, so a + survives).
   * Returns the profile ({username, …}) or null when nobody matches.
   */
  async lookup({ username, ani, email, psid }, onWait) {
    if (username) return { username };
    const kinds = [['ani', ani], ['email', email], ['psid', psid]].filter(([, v]) => v && String(v).trim());
    for (const [kind, value] of kinds) {
      try {
        const { json } = await this.request('/getuserdata', { params: { [kind]: String(value).trim() }, onWait });
        if (json && json.username) return json;
      } catch (e) {
        if (e.status !== 404) throw e;
      }
    }
    return null;
  }

  /** One page of the timeline (oldest first) and the path of the next older page, if any. */
  async page(username, { limit = 200, next } = {}, onWait) {
    const { json, headers } = next
      ? await this.request(next, { onWait })
      : await this.request('/history', { params: { username, limit }, onWait });
    const link = headers.get('Link') || '';
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link);
    return { events: Array.isArray(json) ? json : [], next: match ? match[1] : null };
  }
}

/**
 * A customer's live timeline: EventSource on /history/stream. The browser reconnects by itself with
 * Last-Event-ID; when the server refuses (503 while the owner moves, 429), EventSource gives up, so
 * this reconnects with backoff, passing the last id as lastEventId: nothing is lost either way.
 */
export class LiveTimeline {
  constructor(api, username, { onReady, onAdded, onReset, onState }) {
    Object.assign(this, { api, username, onReady, onAdded, onReset, onState });
    this.lastId = null;
    this.failures = 0;
    this.closed = false;
  }

  start() {
    this.connect();
    return this;
  }

  connect() {
    if (this.closed) return;
    // ticket: where authentication is on, a short-lived stream ticket goes here (never the bearer token).
    const source = new EventSource(this.api.url('/history/stream', { username: this.username, lastEventId: this.lastId }));
    this.source = source;
    source.addEventListener('ready', (e) => {
      if (e.lastEventId) this.lastId = e.lastEventId;
      this.failures = 0;
      this.onState('live');
      this.onReady(JSON.parse(e.data));
    });
    source.addEventListener('added', (e) => {
      this.lastId = e.lastEventId;
      this.onAdded(JSON.parse(e.data));
    });
    source.addEventListener('reset', (e) => {
      this.lastId = e.lastEventId;
      this.onReset(JSON.parse(e.data));
    });
    source.onerror = () => {
      if (this.closed) return;
      this.onState('reconnecting');
      if (source.readyState !== EventSource.CLOSED) return; // the browser retries by itself
      source.close();
      const delay = Math.min(30000, 1000 * 2 ** Math.min(this.failures++, 5)) + Math.random() * 500;
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.source) this.source.close();
  }
}

/** Every source code of the registry, with a name and a glyph; unknown codes get a neutral badge. */
const GLYPHS = {
  phone: 'M5 4h3l2 5-2 1a11 11 0 0 0 6 6l1-2 5 2v3a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2z',
  chat: 'M4 5h16v11H9l-5 4z',
  mail: 'M3 6h18v12H3z M3 6l9 7 9-7',
  bot: 'M6 8h12v10H6z M12 4v4 M9 12h.01 M15 12h.01 M9 15h6',
  video: 'M3 7h12v10H3z M15 11l6-4v10l-6-4z',
  person: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z M4 21a8 8 0 0 1 16 0',
  globe: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z M3 12h18 M12 3c3 3 3 15 0 18 M12 3c-3 3-3 15 0 18',
  cursor: 'M5 3l14 7-6 2-2 6z',
  dot: 'M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8z',
};
export const SOURCES = {
  ivr: { name: 'IVR', glyph: 'phone', color: '#2b6cb0' },
  sms: { name: 'SMS', glyph: 'chat', color: '#2f855a' },
  df: { name: 'Dialogflow', glyph: 'bot', color: '#c05621' },
  bot: { name: 'Bot', glyph: 'bot', color: '#805ad5' },
  whatsapp: { name: 'WhatsApp', glyph: 'chat', color: '#25a244' },
  facebook: { name: 'Messenger', glyph: 'chat', color: '#1877f2' },
  video: { name: 'Video', glyph: 'video', color: '#b83280' },
  cobrowse: { name: 'Co-browse', glyph: 'cursor', color: '#0987a0' },
  agent: { name: 'Agent', glyph: 'person', color: '#4a5568' },
  webchat: { name: 'Web chat', glyph: 'chat', color: '#dd6b20' },
  web: { name: 'Web', glyph: 'globe', color: '#3182ce' },
  email: { name: 'E-mail', glyph: 'mail', color: '#718096' },
};

const SVG = 'http://www.w3.org/2000/svg';

/** An inline SVG badge for a source code (no network); title and aria-label name the source. */
export function sourceIcon(code) {
  const known = SOURCES[code];
  const source = known || { name: code ? String(code) : 'unknown', glyph: 'dot', color: '#718096' };
  const badge = h('span', { class: 'icon', title: source.name, role: 'img', 'aria-label': 'source: ' + source.name });
  badge.style.background = source.color;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const d of GLYPHS[source.glyph].split(' M').map((part, i) => (i ? 'M' + part : part))) {
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', d);
    svg.appendChild(path);
  }
  badge.appendChild(svg);
  return badge;
}

/** Local date-time and a relative phrase ("5 minutes ago"). */
export function formatTime(timestamp, now = Date.now()) {
  const date = new Date(timestamp);
  if (isNaN(date)) return { local: String(timestamp || ''), relative: '' };
  const local = date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const seconds = Math.round((date.getTime() - now) / 1000);
  const units = [['year', 31536000], ['month', 2592000], ['week', 604800], ['day', 86400], ['hour', 3600], ['minute', 60]];
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return { local, relative: rtf.format(Math.round(seconds / size), unit) };
  }
  return { local, relative: rtf.format(0, 'second') };
}

/** Only http(s) links are made clickable; they open in a new tab without opener or referrer. */
export function safeLink(url, label) {
  let parsed;
  try { parsed = new URL(url); } catch (e) { return null; }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  return h('a', { href: parsed.href, target: '_blank', rel: 'noopener noreferrer' }, label || parsed.href);
}

/** Builds DOM without innerHTML: text is always text. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => {
    if (v === false || v === null || v === undefined) return;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  });
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return el;
}

/** A fresh key per button press: the server stores one request per key, so a double click is one request. */
export function newKey() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return 'k' + Date.now().toString(36) + Math.random().toString(36).slice(2);
}

export function truthy(value) {
  return value === true || value === 'true' || value === '' || value === 1 || value === '1';
}

/**
 * Properties a host set before the element was defined live on the instance and hide the class's
 * accessors: take them over.
 */
export function adoptProperties(el, names) {
  for (const name of names) {
    if (Object.prototype.hasOwnProperty.call(el, name)) {
      const value = el[name];
      delete el[name];
      el[name] = value;
    }
  }
}

/** Light and dark themes (the desktop's isDarkMode), shared by both widgets. */
export const THEME_CSS = `
  :host { display: block; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
    --bg: #ffffff; --fg: #1a202c; --muted: #5a6472; --line: #d9dee5; --card: #f7f9fb; --accent: #0b63c4;
    --ok: #1f7a3f; --bad: #b42318; --warn: #9a5b00; color: var(--fg); background: var(--bg); }
  :host([data-theme="dark"]) { --bg: #16191d; --fg: #e7ebf0; --muted: #a3adb9; --line: #343b45; --card: #1f242a;
    --accent: #6cb2ff; --ok: #5fd08a; --bad: #ff8a80; --warn: #f2b650; }
  * { box-sizing: border-box; }
  .wrap { padding: 12px; }
  header { display: flex; align-items: center; gap: 8px; justify-content: space-between; margin-bottom: 8px; }
  h2 { font-size: 15px; margin: 0; }
  .status { font-size: 12px; color: var(--muted); display: inline-flex; align-items: center; gap: 6px; }
  .status::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: var(--muted); }
  .status[data-state="live"]::before { background: var(--ok); }
  .status[data-state="reconnecting"]::before { background: var(--warn); }
  .message { padding: 10px; border: 1px dashed var(--line); border-radius: 6px; color: var(--muted); }
  .message.error { color: var(--bad); border-color: var(--bad); }
  button { font: inherit; color: var(--fg); background: var(--card); border: 1px solid var(--line); border-radius: 6px;
    padding: 6px 10px; cursor: pointer; }
  button:hover { border-color: var(--accent); }
  button:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
  button[disabled] { opacity: .6; cursor: progress; }
  a { color: var(--accent); }
  .icon { display: inline-flex; width: 26px; height: 26px; border-radius: 50%; align-items: center; justify-content: center; flex: none; }
  .icon svg { width: 15px; height: 15px; fill: none; stroke: #fff; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }
  .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
