// Public map page: resolved reports on a Leaflet map, filters, and a statistics table.
// Everything it loads comes from this server; only the optional base-map tiles come from the
// URL the server puts into <meta name="qn-config">.
import './style.css';
import L from 'leaflet';
import { getJSON, isAbort, items } from './api.js';
import { t, lang, setLang, initialLang, applyStatic, localName, locale } from './i18n.js';

const CENTER = [21.0, 107.3];
const ZOOM = 9;
const DEBOUNCE_MS = 250;
const MAX_FEATURES = 500;

// ---------- small DOM helpers ----------
const $ = (sel) => document.querySelector(sel);

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function escapeAttr(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// safeURL keeps http(s) and same-origin relative URLs; anything else (javascript:, data:) is dropped.
function safeURL(u) {
  if (!u || typeof u !== 'string') return '';
  try {
    const url = new URL(u, window.location.href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : '';
  } catch (_) {
    return '';
  }
}

function isoDate(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function formatDateTime(s) {
  if (!s) return '—';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s;
  try {
    return new Intl.DateTimeFormat(locale(), {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: 'Asia/Ho_Chi_Minh',
    }).format(d);
  } catch (_) {
    return d.toLocaleString();
  }
}

function fmtNumber(n, opts) {
  if (n === undefined || n === null || Number.isNaN(Number(n))) return '—';
  return new Intl.NumberFormat(locale(), opts).format(Number(n));
}

// ---------- configuration from the server ----------
function readConfig() {
  const meta = document.querySelector('meta[name="qn-config"]');
  const cfg = { tileUrl: '', attribution: '' };
  if (!meta) return cfg;
  try {
    const parsed = JSON.parse(meta.getAttribute('content') || '{}');
    if (parsed && typeof parsed === 'object') {
      if (typeof parsed.tileUrl === 'string') cfg.tileUrl = parsed.tileUrl;
      if (typeof parsed.attribution === 'string') cfg.attribution = parsed.attribution;
    }
  } catch (_) {
    /* the placeholder was not replaced (file opened without the server): no base map */
  }
  return cfg;
}

// ---------- state ----------
const state = {
  cfg: readConfig(),
  categories: [],
  agencies: [],
  communes: [], // {code, name, name_en}
  lastFeatures: null,
  pointsLoaded: false,
  boundariesSettled: false,
  openReport: null, // {code, root, detail}
  stats: null,
};

// ---------- collapsible panels (before the map, so it starts at its final size) ----------
const phone = window.matchMedia('(max-width: 767px)');
const toggles = Array.from(document.querySelectorAll('.panel-toggle'));

function setExpanded(btn, open) {
  btn.setAttribute('aria-expanded', open ? 'true' : 'false');
  const body = document.getElementById(btn.getAttribute('aria-controls'));
  if (body) body.hidden = !open;
}
for (const btn of toggles) {
  btn.addEventListener('click', () => {
    const open = btn.getAttribute('aria-expanded') !== 'true';
    // On a phone one panel at a time, so the map keeps most of the screen.
    if (open && phone.matches) for (const other of toggles) if (other !== btn) setExpanded(other, false);
    setExpanded(btn, open);
  });
}
function layoutPanels() {
  // Phones start with both panels collapsed, wider screens with both open.
  for (const btn of toggles) setExpanded(btn, !phone.matches);
}
layoutPanels();
if (phone.addEventListener) phone.addEventListener('change', layoutPanels);

// ---------- map ----------
const map = L.map('map', {
  center: CENTER,
  zoom: ZOOM,
  minZoom: 7,
  maxZoom: 18,
  zoomControl: false,
  attributionControl: false,
  worldCopyJump: false,
  maxBounds: [
    [18.5, 103.5],
    [23.5, 111.0],
  ],
  maxBoundsViscosity: 0.8,
});
L.control.attribution({ prefix: 'Leaflet' }).addTo(map);
let zoomControl = null;
function addZoomControl() {
  if (zoomControl) zoomControl.remove();
  zoomControl = L.control.zoom({ position: 'topright', zoomInTitle: t('zoomIn'), zoomOutTitle: t('zoomOut') });
  zoomControl.addTo(map);
}

// Boundaries sit on their own pane below markers; they are drawn with or without tiles.
map.createPane('boundaries');
map.getPane('boundaries').style.zIndex = 350;

// ---------- base map ----------
const notice = $('#basemap-notice');
let tilesOK = false;
function showBasemapNotice() {
  if (notice.dataset.dismissed === 'true') return;
  notice.hidden = false;
  document.body.dataset.basemap = 'unavailable';
}
$('#basemap-notice-close').addEventListener('click', () => {
  notice.hidden = true;
  notice.dataset.dismissed = 'true';
});

if (state.cfg.tileUrl) {
  const tiles = L.tileLayer(state.cfg.tileUrl, {
    attribution: state.cfg.attribution,
    maxZoom: 19,
    crossOrigin: false,
  });
  tiles.on('tileload', () => {
    if (!tilesOK) {
      tilesOK = true;
      document.body.dataset.basemap = document.body.dataset.basemap || 'ok';
      styleBoundaries();
    }
  });
  tiles.on('tileerror', () => {
    showBasemapNotice();
    styleBoundaries();
  });
  tiles.addTo(map);
} else {
  showBasemapNotice();
}

// ---------- boundaries ----------
let boundaryLayer = null;
function boundaryStyle(feature) {
  const province = feature && feature.properties && feature.properties.kind === 'province';
  // Without tiles the communes are drawn as land on a sea-coloured background.
  const land = !tilesOK;
  if (province) return { color: '#0b4f8a', weight: 2.5, opacity: 0.9, fill: false, interactive: false };
  return {
    color: '#6b7f95',
    weight: 1,
    opacity: 0.8,
    fill: true,
    fillColor: land ? '#f6f3ec' : '#0b4f8a',
    fillOpacity: land ? 1 : 0.04,
    interactive: false,
  };
}
function styleBoundaries() {
  if (boundaryLayer) boundaryLayer.setStyle(boundaryStyle);
}

async function loadBoundaries() {
  try {
    const fc = await getJSON('/v1/public/boundaries');
    const feats = (fc && fc.features) || [];
    // Communes first, province outline last so it stays on top.
    const sorted = feats
      .filter((f) => f && f.geometry)
      .sort((a, b) => ((a.properties || {}).kind === 'province') - ((b.properties || {}).kind === 'province'));
    boundaryLayer = L.geoJSON(sorted, { pane: 'boundaries', style: boundaryStyle, interactive: false }).addTo(map);
    state.communes = feats
      .map((f) => f.properties || {})
      .filter((p) => p.kind !== 'province' && p.code)
      .map((p) => ({ code: String(p.code), name: p.name || p.code, name_en: p.name_en || p.name || p.code }));
    fillCommunes();
    document.body.dataset.boundariesReady = 'true';
  } catch (err) {
    console.warn('boundaries:', err);
    document.body.dataset.boundariesReady = 'error';
  } finally {
    state.boundariesSettled = true;
    markReady();
  }
}

// ---------- filters ----------
const filterForm = $('#filters-body');
const fCategory = $('#f-category');
const fAgency = $('#f-agency');
const fCommune = $('#f-commune');
const fSince = $('#f-since');
const fUntil = $('#f-until');

function fillSelect(select, list, valueOf, labelOf) {
  const keep = select.value;
  while (select.options.length > 1) select.remove(1);
  select.options[0].textContent = t('all');
  const opts = list.map((it) => ({ value: valueOf(it), label: labelOf(it) }));
  opts.sort((a, b) => a.label.localeCompare(b.label, locale()));
  for (const o of opts) select.add(new Option(o.label, o.value));
  select.value = opts.some((o) => o.value === keep) ? keep : '';
}
function fillCategories() {
  fillSelect(fCategory, state.categories, (c) => String(c.code), (c) => localName(c) || String(c.code));
}
function fillAgencies() {
  fillSelect(fAgency, state.agencies, (a) => String(a.id), (a) => localName(a) || String(a.id));
}
function fillCommunes() {
  fillSelect(fCommune, state.communes, (c) => c.code, (c) => (lang() === 'en' ? c.name_en : c.name));
}

async function loadLists() {
  const [cats, ags] = await Promise.allSettled([getJSON('/v1/categories'), getJSON('/v1/agencies')]);
  if (cats.status === 'fulfilled') state.categories = items(cats.value);
  else console.warn('categories:', cats.reason);
  if (ags.status === 'fulfilled') state.agencies = items(ags.value);
  else console.warn('agencies:', ags.reason);
  fillCategories();
  fillAgencies();
}

function filterParams(params) {
  if (fCategory.value) params.set('category', fCategory.value);
  if (fAgency.value) params.set('agency', fAgency.value);
  if (fCommune.value) params.set('commune', fCommune.value);
  if (fSince.value) params.set('since', fSince.value);
  if (fUntil.value) params.set('until', fUntil.value);
  return params;
}

filterForm.addEventListener('change', () => scheduleLoad());
filterForm.addEventListener('submit', (e) => {
  e.preventDefault();
  scheduleLoad();
});
filterForm.addEventListener('reset', () => setTimeout(scheduleLoad, 0));

// ---------- points ----------
const pointsLayer = L.layerGroup().addTo(map);
const statusEl = $('#map-status');
let loadTimer = null;
let loadCtrl = null;

function scheduleLoad() {
  clearTimeout(loadTimer);
  if (loadCtrl) loadCtrl.abort(); // whatever is in flight is for an old view
  loadTimer = setTimeout(loadPoints, DEBOUNCE_MS);
}

function bboxParam() {
  const b = map.getBounds();
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  return [
    clamp(b.getWest(), -180, 180),
    clamp(b.getSouth(), -90, 90),
    clamp(b.getEast(), -180, 180),
    clamp(b.getNorth(), -90, 90),
  ]
    .map((v) => v.toFixed(5))
    .join(',');
}

async function loadPoints() {
  if (loadCtrl) loadCtrl.abort();
  const ctrl = new AbortController();
  loadCtrl = ctrl;
  const params = new URLSearchParams({ bbox: bboxParam(), zoom: String(Math.round(map.getZoom())) });
  filterParams(params);
  document.body.dataset.mapLoading = 'true';
  try {
    const fc = await getJSON(`/v1/public/map?${params}`, ctrl.signal);
    if (ctrl !== loadCtrl) return;
    renderPoints((fc && fc.features) || []);
    document.body.dataset.mapError = 'false';
  } catch (err) {
    if (isAbort(err)) return;
    console.warn('map:', err);
    statusEl.textContent = t('loadFailed');
    document.body.dataset.mapError = 'true';
  } finally {
    if (ctrl === loadCtrl) {
      loadCtrl = null;
      document.body.dataset.mapLoading = 'false';
    }
  }
}

function clusterIcon(count) {
  const d = Math.round(36 + 8 * Math.log10(Math.max(1, count)));
  const label = count >= 10000 ? `${Math.round(count / 1000)}k` : String(count);
  return L.divIcon({
    className: 'qn-icon',
    html: `<div class="cluster" data-testid="cluster-marker" data-count="${count}">${label}</div>`,
    iconSize: [d, d],
    iconAnchor: [d / 2, d / 2],
  });
}

function reportIcon(p) {
  const late = p.on_time === false;
  return L.divIcon({
    className: 'qn-icon',
    html: `<div class="pin${late ? ' late' : ''}" data-testid="report-marker" data-code="${escapeAttr(p.code || '')}" data-on-time="${late ? 'false' : 'true'}"></div>`,
    iconSize: [36, 36],
    iconAnchor: [18, 18],
    popupAnchor: [0, -14],
  });
}

function renderPoints(features) {
  state.lastFeatures = features;
  pointsLayer.clearLayers();
  let total = 0;
  let clustered = false;
  for (const f of features) {
    const c = f && f.geometry && f.geometry.type === 'Point' && f.geometry.coordinates;
    if (!c || c.length < 2) continue;
    const latlng = L.latLng(c[1], c[0]);
    const p = f.properties || {};
    if (p.cluster) {
      const count = Number(p.count) || 0;
      total += count;
      clustered = true;
      const m = L.marker(latlng, {
        icon: clusterIcon(count),
        title: t('clusterLabel', { n: count }),
        riseOnHover: true,
        zIndexOffset: 1000,
      });
      m.on('click', () => {
        map.setView(latlng, Math.min(map.getZoom() + 2, map.getMaxZoom()));
      });
      pointsLayer.addLayer(m);
    } else {
      total += 1;
      const m = L.marker(latlng, {
        icon: reportIcon(p),
        title: t('reportLabel', { category: localName(p, 'category_name') || p.category || '', commune: p.commune_name || '' }),
        riseOnHover: true,
      });
      m.on('click', () => openReport(p.code, latlng));
      pointsLayer.addLayer(m);
    }
  }
  if (features.length >= MAX_FEATURES) statusEl.textContent = t('mapTruncated', { n: MAX_FEATURES });
  else if (total === 0) statusEl.textContent = t('mapEmpty');
  else if (total === 1 && !clustered) statusEl.textContent = t('mapCountOne');
  else statusEl.textContent = t(clustered ? 'mapClusters' : 'mapCount', { n: fmtNumber(total) });
  document.body.dataset.mapFeatures = String(features.length);
  state.pointsLoaded = true;
  markReady();
}

function markReady() {
  if (state.pointsLoaded && state.boundariesSettled && document.body.dataset.mapReady !== 'true') {
    document.body.dataset.mapReady = 'true';
  }
}

map.on('moveend', scheduleLoad);

// ---------- report popup ----------
let popupCtrl = null;

function openReport(code, latlng) {
  if (!code) return;
  if (popupCtrl) popupCtrl.abort();
  const ctrl = new AbortController();
  popupCtrl = ctrl;
  const root = h('div', { class: 'report-popup', 'data-testid': 'report-popup', 'data-code': code, 'data-state': 'loading', 'aria-busy': 'true' }, t('loading'));
  const popup = L.popup({
    maxWidth: 320,
    minWidth: 240,
    className: 'qn-popup',
    autoPanPaddingTopLeft: [10, 90],
    autoPanPaddingBottomRight: [10, 20],
  })
    .setLatLng(latlng)
    .setContent(root)
    .openOn(map);
  state.openReport = { code, root, detail: null, popup };
  popup.on('remove', () => {
    ctrl.abort();
    if (state.openReport && state.openReport.root === root) state.openReport = null;
  });
  getJSON(`/v1/public/reports/${encodeURIComponent(code)}`, ctrl.signal)
    .then((detail) => {
      if (!state.openReport || state.openReport.root !== root) return;
      state.openReport.detail = detail;
      renderReport(root, detail);
      popup.update();
    })
    .catch((err) => {
      if (isAbort(err)) return;
      console.warn('report:', err);
      root.replaceChildren(h('p', { class: 'popup-error' }, t('loadFailed')));
      root.dataset.state = 'error';
      root.removeAttribute('aria-busy');
      popup.update();
    });
}

function stars(rating) {
  const r = Math.max(0, Math.min(5, Math.round(Number(rating))));
  return h('span', { class: 'stars', role: 'img', 'aria-label': t('ratingValue', { n: r }), 'data-rating': r }, '★'.repeat(r) + '☆'.repeat(5 - r));
}

// fill replaces root's children, dropping the nulls that optional parts leave (replaceChildren would
// print them as the text "null").
function fill(root, ...kids) {
  root.replaceChildren(...kids.flat().filter((k) => k !== null && k !== undefined && k !== false));
}

function renderReport(root, d) {
  const photos = (Array.isArray(d.photos) ? d.photos : [])
    .slice()
    .sort((a, b) => (a.kind === 'after') - (b.kind === 'after'));
  const late = d.on_time === false;
  const hasRating = d.rating !== undefined && d.rating !== null && d.rating !== 0;
  fill(
    root,
    h('h3', null, localName(d, 'category_name') || d.category || ''),
    h('p', { class: 'meta' }, [d.code, d.commune_name].filter(Boolean).join(' · ')),
    localName(d, 'agency_name') ? h('p', { class: 'meta' }, localName(d, 'agency_name')) : null,
    h(
      'div',
      { class: 'badges' },
      d.on_time === undefined || d.on_time === null
        ? null
        : h('span', { class: `badge${late ? ' late' : ''}`, 'data-testid': 'on-time' }, late ? t('late') : t('onTime')),
      hasRating ? stars(d.rating) : h('span', { class: 'meta' }, t('noRating')),
    ),
    h(
      'dl',
      { class: 'dates' },
      h('dt', null, t('received')),
      h('dd', null, formatDateTime(d.received_at)),
      h('dt', null, t('resolved')),
      h('dd', null, formatDateTime(d.resolved_at)),
    ),
    photos.length
      ? h(
          'div',
          { class: 'photos', 'aria-label': t('photos'), role: 'group' },
          photos.map((ph) => {
            const kind = ph.kind === 'after' ? t('after') : t('before');
            const full = safeURL(ph.url);
            const thumb = safeURL(ph.thumbnail_url) || full;
            if (!thumb) return null;
            const img = h('img', { src: thumb, alt: t('photoAlt', { kind }), loading: 'lazy', width: 104, height: 78 });
            return h(
              'figure',
              { 'data-kind': ph.kind === 'after' ? 'after' : 'before' },
              full ? h('a', { href: full, target: '_blank', rel: 'noopener noreferrer' }, img) : img,
              h('figcaption', null, kind),
            );
          }),
        )
      : null,
    d.description ? h('h4', null, t('description')) : null,
    d.description ? h('p', { class: 'desc' }, d.description) : null,
    h('h4', null, t('reply')),
    d.reply ? h('blockquote', null, d.reply) : h('p', { class: 'meta' }, t('noReply')),
  );
  root.dataset.state = 'loaded';
  root.removeAttribute('aria-busy');
}

// ---------- statistics ----------
const statsForm = $('#stats-form');
const sFrom = $('#s-from');
const sTo = $('#s-to');
const sBy = $('#s-by');
const statsRows = $('#stats-rows');
const statsStatus = $('#stats-status');
const statsCSV = $('#stats-csv');
let statsCtrl = null;

(function initStatsDates() {
  const to = new Date();
  const from = new Date(to);
  from.setDate(from.getDate() - 89);
  sFrom.value = isoDate(from);
  sTo.value = isoDate(to);
})();

function statsQuery() {
  return new URLSearchParams({ from: sFrom.value, to: sTo.value, by: sBy.value });
}

async function loadStats() {
  if (statsCtrl) statsCtrl.abort();
  if (!sFrom.value || !sTo.value || sFrom.value > sTo.value) {
    statsRows.replaceChildren();
    statsStatus.textContent = t('statsInvalid');
    statsCSV.setAttribute('aria-disabled', 'true');
    return;
  }
  statsCSV.removeAttribute('aria-disabled');
  const q = statsQuery();
  const csv = new URLSearchParams(q);
  csv.set('format', 'csv');
  statsCSV.href = `/v1/public/stats?${csv}`;
  statsCSV.setAttribute('download', `thong-ke-${sBy.value}-${sFrom.value}-${sTo.value}.csv`);
  const ctrl = new AbortController();
  statsCtrl = ctrl;
  statsStatus.textContent = t('loading');
  document.body.dataset.statsLoading = 'true';
  try {
    const body = await getJSON(`/v1/public/stats?${q}`, ctrl.signal);
    if (ctrl !== statsCtrl) return;
    state.stats = items(body);
    renderStats();
  } catch (err) {
    if (isAbort(err)) return;
    console.warn('stats:', err);
    state.stats = null;
    statsRows.replaceChildren();
    statsStatus.textContent = t('loadFailed');
  } finally {
    if (ctrl === statsCtrl) {
      statsCtrl = null;
      document.body.dataset.statsLoading = 'false';
    }
  }
}

function renderStats() {
  const list = (state.stats || []).slice().sort((a, b) => (Number(b.received) || 0) - (Number(a.received) || 0));
  statsRows.replaceChildren(
    ...list.map((it) =>
      h(
        'tr',
        { 'data-testid': 'stats-row', 'data-key': it.key },
        h('th', { scope: 'row' }, localName(it) || String(it.key || '')),
        h('td', { class: 'num' }, fmtNumber(it.received)),
        h('td', { class: 'num' }, fmtNumber(it.resolved)),
        h('td', { class: 'num' }, fmtNumber(it.on_time_share, { style: 'percent', maximumFractionDigits: 0 })),
        h('td', { class: 'num' }, fmtNumber(it.median_hours, { maximumFractionDigits: 1 })),
        h(
          'td',
          { class: 'num' },
          it.avg_rating ? `${fmtNumber(it.avg_rating, { minimumFractionDigits: 1, maximumFractionDigits: 1 })} ★` : '—',
        ),
      ),
    ),
  );
  statsStatus.textContent = list.length ? '' : t('statsEmpty');
}

statsForm.addEventListener('change', loadStats);
statsForm.addEventListener('submit', (e) => {
  e.preventDefault();
  loadStats();
});
statsCSV.addEventListener('click', (e) => {
  if (statsCSV.getAttribute('aria-disabled') === 'true') e.preventDefault();
});

// Leaflet must be told when its container changes size (panels opening on a phone).
if (window.ResizeObserver) {
  new ResizeObserver(() => map.invalidateSize({ pan: false })).observe(document.getElementById('map'));
}

// ---------- language ----------
const langBtn = $('#lang-switch');
function applyLang(l) {
  setLang(l);
  applyStatic();
  const other = lang() === 'vi' ? 'en' : 'vi';
  langBtn.textContent = t('switchLang');
  langBtn.setAttribute('lang', other);
  langBtn.setAttribute('aria-label', t('switchLangLabel'));
  addZoomControl();
  fillCategories();
  fillAgencies();
  fillCommunes();
  if (state.lastFeatures) renderPoints(state.lastFeatures);
  if (state.stats) renderStats();
  else if (statsStatus.textContent) loadStats();
  if (state.openReport && state.openReport.detail) {
    renderReport(state.openReport.root, state.openReport.detail);
    state.openReport.popup.update();
  }
}
langBtn.addEventListener('click', () => applyLang(lang() === 'vi' ? 'en' : 'vi'));

// ---------- start ----------
applyLang(initialLang());
loadBoundaries();
loadLists();
loadPoints();
loadStats();
