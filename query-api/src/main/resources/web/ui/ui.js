// The supervisors' page: a search (phone, e-mail, messenger id, username) that drives the same two
// widgets the agent desktop uses. The query string is the deep link (/ui/?email=ann@example.com).
const KINDS = ['ani', 'email', 'psid', 'username'];
const form = document.getElementById('search');
const kind = document.getElementById('kind');
const value = document.getElementById('value');
const dark = document.getElementById('dark');
const panels = document.getElementById('panels');
const hint = document.getElementById('hint');
const widgets = [document.getElementById('history'), document.getElementById('tasks')];

function show(selectedKind, text) {
  for (const widget of widgets) {
    for (const k of KINDS) widget[k] = k === selectedKind ? text : '';
  }
  panels.hidden = false;
  hint.hidden = true;
}

function theme(on) {
  document.body.dataset.theme = on ? 'dark' : 'light';
  for (const widget of widgets) widget.isDarkMode = on;
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const text = value.value.trim();
  if (!text) return;
  const url = new URL(window.location.href);
  url.search = '';
  url.searchParams.set(kind.value, text);
  if (dark.checked) url.searchParams.set('dark', '1');
  window.history.replaceState(null, '', url);
  show(kind.value, text);
});

dark.addEventListener('change', () => theme(dark.checked));

const params = new URLSearchParams(window.location.search);
dark.checked = params.get('dark') === '1' || (params.get('dark') === null && window.matchMedia('(prefers-color-scheme: dark)').matches);
theme(dark.checked);
const deepLink = KINDS.find((k) => params.get(k));
if (deepLink) {
  kind.value = deepLink;
  value.value = params.get(deepLink);
  show(deepLink, params.get(deepLink));
}
