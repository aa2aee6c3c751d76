// The household map (#/map): every household in scope as clustered markers coloured by status,
// village boundaries, a filter panel, a summary card per marker; and the small location picker
// of the household page. Leaflet is loaded on first use (see leaflet.js for the base-map setting).
import { html } from 'htm/preact';
import { useState, useEffect, useRef } from 'preact/hooks';
import { api, query } from './api.js';
import { t } from './i18n.js';
import { go, ErrorBox, Loading } from './ui.js';
import { loadLeaflet, baseMap, getTiles, setTiles, TILE_PRESETS, shiftGeoJSON, locate } from './leaflet.js';
import {
  STATUSES, CAUSES, INDICATORS, STATUS_COLOR, StatusBadge, Chips, statusName, causeName, indicatorName, yuan,
} from './households.js';

const DEBOUNCE_MS = 300;
const FALLBACK = { center: [35, 105], zoom: 4 }; // all of China, when nothing says where to look
const LABELS_UP_TO = 30; // village names drawn on the map when there are at most this many

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function markerIcon(L, status) {
  return L.divIcon({
    className: 'hh-marker',
    html: `<span class="hh-dot st-bg-${esc(status)}"></span>`,
    iconSize: [22, 22], iconAnchor: [11, 11],
  });
}

// A cluster shows its count on a ring split by status shares (conic gradient).
function clusterIcon(L) {
  return (cluster) => {
    const n = cluster.getChildCount();
    const counts = {};
    for (const m of cluster.getAllChildMarkers()) counts[m.options.status] = (counts[m.options.status] || 0) + 1;
    let at = 0;
    const stops = STATUSES.filter((s) => counts[s]).map((s) => {
      const from = at;
      at += (counts[s] / n) * 100;
      return `${STATUS_COLOR[s]} ${from.toFixed(1)}% ${at.toFixed(1)}%`;
    });
    const size = n < 10 ? 34 : n < 100 ? 40 : n < 1000 ? 46 : 52;
    return L.divIcon({
      className: 'hh-cluster',
      html: `<div class="hh-ring" style="background:conic-gradient(${stops.join(',') || '#667085 0 100%'})">`
        + `<span data-testid="map-cluster">${n}</span></div>`,
      iconSize: [size, size],
    });
  };
}

function boundsOk(b) { return b && b.isValid && b.isValid(); }

// Village names avoid the markers and clusters and each other: each label tries a few drops
// below its outline and is hidden when none is free (first come, first shown).
const DROPS = [2, 24, 44];
const overlaps = (r, o) => r.left < o.right + 3 && r.right + 3 > o.left && r.top < o.bottom && r.bottom > o.top;
export function declutter(map) {
  const box = map && map.getContainer && map.getContainer();
  if (!box) return;
  const taken = [...box.querySelectorAll('.hh-cluster, .hh-marker')].map((e) => e.getBoundingClientRect());
  for (const el of box.querySelectorAll('.village-label span')) {
    let placed = false;
    for (const dy of DROPS) {
      el.style.transform = `translate(-50%, ${dy}px)`;
      el.style.visibility = '';
      const r = el.getBoundingClientRect();
      if (!taken.some((o) => overlaps(r, o))) { taken.push(r); placed = true; break; }
    }
    if (!placed) el.style.visibility = 'hidden';
  }
}
let declutterTimer = 0;
function declutterSoon(map) {
  clearTimeout(declutterTimer);
  declutterTimer = setTimeout(() => declutter(map), 350); // after the cluster animation
}

// Village outlines, with their names hung just below each outline in a pane under the markers
// (a label centred on the village would sit right under its cluster).
function drawBoundaries(L, gj, show, map) {
  const features = (gj && gj.features) || [];
  const group = L.featureGroup();
  const outlines = L.geoJSON(shiftGeoJSON({ type: 'FeatureCollection', features }, show), {
    style: () => ({ color: '#8f2420', weight: 1.5, dashArray: '4 3', fillColor: '#fff7e6', fillOpacity: 0.45 }),
    interactive: false,
  }).addTo(group);
  if (!map.getPane('labels')) {
    const pane = map.createPane('labels');
    pane.style.zIndex = 550;
    pane.style.pointerEvents = 'none';
    map.on('zoomend moveend', () => declutterSoon(map));
    group.on('add', () => declutterSoon(map));
  }
  if (features.length <= LABELS_UP_TO) {
    outlines.eachLayer((l) => {
      const p = l.feature && l.feature.properties;
      const name = p && (p.name || p.org_name);
      if (!name || !l.getBounds) return;
      const b = l.getBounds();
      L.marker([b.getSouth(), b.getCenter().lng], {
        pane: 'labels', interactive: false, keyboard: false,
        icon: L.divIcon({ className: 'village-label', html: `<span>${esc(name)}</span>`, iconSize: null }),
      }).addTo(group);
    });
  }
  group.getBounds = () => outlines.getBounds();
  return group;
}

// ---- the map page ---------------------------------------------------------------------------

export function MapPage({ params }) {
  const f = { status: params.get('status') || '', cause: params.get('cause') || '', unmet: params.get('unmet') || '' };
  const fkey = JSON.stringify(f);
  const el = useRef(null);
  const st = useRef({ seq: 0 });
  const [ready, setReady] = useState(false);
  const [error, setError] = useState(null);
  const [info, setInfo] = useState(null); // {shown, truncated}
  const [selected, setSelected] = useState(null);
  const [tiles, setTilesState] = useState(getTiles);
  const filtersRef = useRef(f);
  filtersRef.current = f;

  async function fetchMarkers() {
    const s = st.current;
    if (!s.map) return;
    const seq = ++s.seq;
    const b = s.map.getBounds().pad(0.15);
    const [s1, w1] = s.datum.store(b.getSouth(), b.getWest());
    const [n1, e1] = s.datum.store(b.getNorth(), b.getEast());
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v)).toFixed(6);
    const bbox = [clamp(w1, -180, 180), clamp(s1, -90, 90), clamp(e1, -180, 180), clamp(n1, -90, 90)].join(',');
    try {
      const gj = await api('GET', '/map/households' + query({ bbox, ...filtersRef.current }));
      if (seq !== s.seq || !s.map) return;
      showMarkers(gj);
      setError(null);
    } catch (e) {
      if (seq === s.seq) setError(e);
    }
  }

  function showMarkers(gj) {
    const s = st.current;
    const L = s.L;
    const features = (gj && gj.features) || [];
    const markers = [];
    for (const ft of features) {
      const c = ft.geometry && ft.geometry.coordinates;
      if (!c || typeof c[0] !== 'number') continue;
      const p = ft.properties || {};
      const m = L.marker(s.datum.show(c[1], c[0]), {
        icon: markerIcon(L, p.status), status: p.status, title: `${p.number || ''} ${p.head_name || ''}`.trim(),
        alt: statusName(p.status), keyboard: true, riseOnHover: true,
      });
      m.on('click', () => setSelected({ ...p, lat: c[1], lon: c[0] }));
      m.on('add', () => {
        const icon = m.getElement();
        if (icon) { icon.dataset.testid = 'map-marker'; icon.dataset.id = p.id; icon.dataset.status = p.status; }
      });
      markers.push(m);
    }
    s.cluster.clearLayers();
    s.cluster.addLayers(markers);
    declutterSoon(s.map);
    setInfo({ shown: markers.length, truncated: !!(gj && gj.truncated) });
  }

  // Build the map once.
  useEffect(() => {
    let dead = false;
    (async () => {
      try {
        const L = await loadLeaflet();
        if (dead || !el.current) return;
        const s = st.current;
        const map = baseMap(L, el.current, s);
        s.cluster = L.markerClusterGroup({
          chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 48, spiderfyOnMaxZoom: true,
          iconCreateFunction: clusterIcon(L),
        });
        map.addLayer(s.cluster);
        map.on('click', () => setSelected(null));

        // Where to look: the villages' outlines, else wherever the households are.
        let view = null;
        try {
          const gj = await api('GET', '/map/boundaries');
          if (dead) return;
          const layer = drawBoundaries(L, gj, s.datum.show, map);
          layer.addTo(map);
          if (boundsOk(layer.getBounds())) view = layer.getBounds();
        } catch (e) { setError(e); }
        if (!view) {
          const gj = await api('GET', '/map/households' + query({ bbox: '-180,-90,180,90', ...filtersRef.current }));
          if (dead) return;
          const pts = ((gj && gj.features) || []).filter((x) => x.geometry && x.geometry.coordinates)
            .map((x) => s.datum.show(x.geometry.coordinates[1], x.geometry.coordinates[0]));
          if (pts.length) view = L.latLngBounds(pts);
        }
        if (boundsOk(view)) map.fitBounds(view.pad(0.05), { maxZoom: 16 });
        else map.setView(FALLBACK.center, FALLBACK.zoom);
        let timer = 0;
        map.on('moveend', () => { clearTimeout(timer); timer = setTimeout(fetchMarkers, DEBOUNCE_MS); });
        setReady(true);
        fetchMarkers();
      } catch (e) { if (!dead) setError(e); }
    })();
    return () => {
      dead = true;
      const s = st.current;
      if (s.map) { s.map.remove(); s.map = null; }
    };
  }, [tiles]);

  // Filters changed: same view, new markers.
  useEffect(() => { if (ready) fetchMarkers(); }, [fkey]);

  const set = (patch) => go('/map', { ...f, ...patch });
  return html`<section class="card map-card">
      <div class="head-row">
        <h1>${t('map.title')}</h1>
        <span class="muted small" data-testid="map-count">${info
          ? t(info.truncated ? 'map.shown_truncated' : 'map.shown', { n: info.shown }) : ''}</span>
      </div>
      <details class="map-filters" data-testid="map-filters">
        <summary>${t('map.filters')}${(f.status || f.cause || f.unmet) ? ' · ' + t('map.filtered') : ''}</summary>
        <div class="filters">
          <label>${t('hh.status')}
            <select value=${f.status} data-testid="map-filter-status" onChange=${(e) => set({ status: e.target.value })}>
              <option value="">${t('common.all')}</option>
              ${STATUSES.map((s) => html`<option value=${s}>${statusName(s)}</option>`)}
            </select></label>
          <label>${t('hh.cause')}
            <select value=${f.cause} data-testid="map-filter-cause" onChange=${(e) => set({ cause: e.target.value })}>
              <option value="">${t('common.all')}</option>
              ${CAUSES.map((c) => html`<option value=${c}>${causeName(c)}</option>`)}
            </select></label>
          <label class="wide">${t('hh.unmet_filter')}
            <select value=${f.unmet} data-testid="map-filter-unmet" onChange=${(e) => set({ unmet: e.target.value })}>
              <option value="">${t('common.all')}</option>
              ${INDICATORS.map((i) => html`<option value=${i}>${indicatorName(i)}</option>`)}
            </select></label>
        </div>
        <${TileSetting} value=${tiles} onChange=${(v) => { setTiles(v); setTilesState(getTiles()); }} />
      </details>
      <div class="legend" aria-label=${t('map.legend')}>
        ${STATUSES.map((s) => html`<span><i class=${'hh-dot st-bg-' + s}></i>${statusName(s)}</span>`)}
      </div>
    </section>
    <div class="map-wrap">
      <div ref=${el} class="map map-big" data-testid="map" role="region" aria-label=${t('map.title')}></div>
      ${!ready && !error && html`<div class="map-loading"><${Loading} /></div>`}
      ${selected && html`<${MarkerCard} p=${selected} onClose=${() => setSelected(null)} />`}
    </div>
    <${ErrorBox} error=${error} />`;
}

function MarkerCard({ p, onClose }) {
  const [full, setFull] = useState(null);
  useEffect(() => {
    let live = true;
    setFull(null);
    api('GET', '/households/' + p.id).then((h) => live && setFull(h), () => {});
    return () => { live = false; };
  }, [p.id]);
  const h = full || p;
  const members = Array.isArray(h.members) ? h.members.length : h.members;
  return html`<div class="map-sheet" data-testid="map-card" role="dialog" aria-label=${p.number}>
    <div class="head-row">
      <strong data-testid="map-card-head">${h.head_name || p.number}</strong>
      <${StatusBadge} status=${h.status} />
    </div>
    <div class="meta">
      <span class="mono">${p.number}</span><span>${h.village_name || p.org_name}</span>
      ${members !== undefined && html`<span>${t('hh.members_n', { n: members })}</span>`}
      ${h.per_capita_income && html`<span>${t('hh.pci_short', { yuan: yuan(h.per_capita_income.yuan) })}</span>`}
    </div>
    ${full && full.address && html`<div class="meta">${full.address}</div>`}
    ${full && (full.unmet || []).length > 0 && html`<div class="meta"><span class="muted">${t('hh.unmet')}</span>
      <${Chips} items=${full.unmet} name=${indicatorName} cls="chip-bad" /></div>`}
    <div class="actions">
      <a class="btn btn-primary" href=${'#/households/' + p.id} data-testid="map-card-open">${t('map.open')}</a>
      <button type="button" class="btn" onClick=${onClose}>${t('common.close')}</button>
    </div>
  </div>`;
}

function TileSetting({ value, onChange }) {
  const [v, setV] = useState(value);
  const save = (e) => { e.preventDefault(); onChange(v); };
  return html`<form class="stack tile-setting" data-testid="tile-setting" onSubmit=${save}>
    <label>${t('map.tiles')}<select value=${v.preset} data-testid="tile-preset"
        onChange=${(e) => setV({ ...v, preset: e.target.value })}>
      ${TILE_PRESETS.map((p) => html`<option value=${p}>${t('map.tiles.' + p)}</option>`)}
    </select></label>
    ${v.preset === 'tianditu' && html`<label>${t('map.tiles_key')}<input value=${v.key || ''} autocomplete="off"
      spellcheck="false" onInput=${(e) => setV({ ...v, key: e.target.value.trim() })} /></label>`}
    ${v.preset === 'custom' && html`<label>${t('map.tiles_url')}<input value=${v.url || ''} type="url"
        placeholder="https://…/{z}/{x}/{y}.png" spellcheck="false"
        onInput=${(e) => setV({ ...v, url: e.target.value.trim() })} /></label>
      <label>${t('map.tiles_crs')}<select value=${v.crs || 'wgs84'} onChange=${(e) => setV({ ...v, crs: e.target.value })}>
        <option value="wgs84">WGS-84</option><option value="gcj02">GCJ-02</option></select></label>`}
    <p class="muted small">${t('map.tiles_hint')}</p>
    <button class="btn">${t('common.save')}</button>
  </form>`;
}

// ---- the household page's location picker -----------------------------------------------------

export function LocationPicker({ lat, lon, status, edit, busy, onSave }) {
  const el = useRef(null);
  const st = useRef({});
  const [picking, setPicking] = useState(false);
  const [pending, setPending] = useState(null); // {lat, lon, accuracy?}
  const [gps, setGps] = useState(null); // null | 'busy' | error code
  const [error, setError] = useState(null);
  const [clearing, setClearing] = useState(false);
  const has = typeof lat === 'number' && typeof lon === 'number';
  const pickingRef = useRef(false);
  pickingRef.current = picking;

  useEffect(() => {
    let dead = false;
    (async () => {
      try {
        const L = await loadLeaflet();
        if (dead || !el.current) return;
        const s = st.current;
        const map = baseMap(L, el.current, s);
        map.on('click', (e) => {
          if (!pickingRef.current) return;
          const [la, lo] = s.datum.store(e.latlng.lat, e.latlng.lng);
          setPending({ lat: la, lon: lo });
        });
        // The villages' outlines and the neighbours give a plain background its bearings.
        let view = null;
        try {
          const gj = await api('GET', '/map/boundaries');
          if (dead) return;
          const layer = drawBoundaries(L, gj, s.datum.show, map).addTo(map);
          if (boundsOk(layer.getBounds())) view = layer.getBounds();
        } catch { /* the plain fallback view will do */ }
        if (typeof lat === 'number' && typeof lon === 'number') map.setView(s.datum.show(lat, lon), 16);
        else if (view) map.fitBounds(view, { maxZoom: 16 });
        else map.setView(FALLBACK.center, FALLBACK.zoom);
        try {
          const b = map.getBounds().pad(1);
          const [s1, w1] = s.datum.store(b.getSouth(), b.getWest());
          const [n1, e1] = s.datum.store(b.getNorth(), b.getEast());
          const gj = await api('GET', '/map/households' + query({ bbox: [w1, s1, e1, n1].map((x) => x.toFixed(6)).join(',') }));
          if (dead) return;
          for (const ft of (gj && gj.features) || []) {
            const c = ft.geometry && ft.geometry.coordinates;
            if (!c || (c[1] === lat && c[0] === lon)) continue;
            L.circleMarker(s.datum.show(c[1], c[0]), { radius: 4, weight: 1, color: '#fff', fillOpacity: 0.55,
              fillColor: STATUS_COLOR[ft.properties && ft.properties.status] || '#667085', interactive: false }).addTo(map);
          }
        } catch { /* neighbours are a nicety */ }
        s.ready = true;
        draw();
      } catch (e) { if (!dead) setError(e); }
    })();
    return () => {
      dead = true;
      if (st.current.map) { st.current.map.remove(); st.current.map = null; }
    };
  }, []);

  // Markers: the saved place, and the one being chosen (with its GPS accuracy circle).
  function draw() {
    const s = st.current;
    if (!s.ready || !s.map) return;
    const L = s.L;
    for (const k of ['saved', 'pending', 'circle']) if (s[k]) { s[k].remove(); s[k] = null; }
    if (has) s.saved = L.marker(s.datum.show(lat, lon), { icon: markerIcon(L, status), keyboard: false }).addTo(s.map);
    if (pending) {
      const p = s.datum.show(pending.lat, pending.lon);
      s.pending = L.marker(p, { icon: L.divIcon({ className: 'hh-marker', html: '<span class="hh-dot pending"></span>',
        iconSize: [22, 22], iconAnchor: [11, 11] }) }).addTo(s.map);
      if (pending.accuracy) {
        s.circle = L.circle(p, { radius: pending.accuracy, color: '#1d4f91', weight: 1, fillOpacity: 0.1 }).addTo(s.map);
      }
    }
  }
  useEffect(draw, [lat, lon, status, pending]);
  useEffect(() => {
    const s = st.current;
    if (s.ready && s.map && has) s.map.setView(s.datum.show(lat, lon), Math.max(s.map.getZoom(), 15));
  }, [lat, lon]);

  async function useGps() {
    setGps('busy');
    try {
      const p = await locate();
      setPending(p);
      setPicking(true);
      setGps(null);
      const s = st.current;
      if (s.map) s.map.setView(s.datum.show(p.lat, p.lon), Math.max(s.map.getZoom(), 16));
    } catch (e) { setGps(e.message); }
  }
  const stop = () => { setPicking(false); setPending(null); setGps(null); };
  const save = async () => { await onSave(pending); stop(); };

  // Leaflet adds its own classes to the map element: Preact must never rewrite that className.
  return html`<div class=${'loc-picker' + (picking ? ' picking' : '')}>
    <div ref=${el} class="map map-small" data-testid="hh-map"></div>
    <p class="small" data-testid="hh-coords">${has
      ? html`<span class="mono">${lat.toFixed(6)}, ${lon.toFixed(6)}</span> <span class="muted">WGS-84</span>`
      : html`<span class="muted">${t('loc.none')}</span>`}</p>
    ${picking && html`<p class="notice small">${pending
      ? html`${t('loc.chosen')}: <span class="mono" data-testid="loc-pending">${pending.lat.toFixed(6)}, ${pending.lon.toFixed(6)}</span>
        ${pending.accuracy ? ' ' + t('loc.accuracy', { m: Math.round(pending.accuracy) }) : ''}`
      : t('loc.tap_hint')}</p>`}
    ${gps && gps !== 'busy' && html`<p class="error" role="alert">${t('gps.' + gps, t('gps.unavailable'))}</p>`}
    <${ErrorBox} error=${error} />
    ${edit && html`<div class="actions">
      ${!picking && html`<button type="button" class="btn" data-testid="loc-pick"
        onClick=${() => setPicking(true)}>${has ? t('loc.move') : t('loc.set')}</button>`}
      <button type="button" class="btn" data-testid="loc-gps" disabled=${gps === 'busy'}
        onClick=${useGps}>${gps === 'busy' ? t('gps.busy') : t('loc.use_gps')}</button>
      ${picking && html`<button type="button" class="btn btn-primary" data-testid="loc-save" disabled=${!pending || busy}
        onClick=${save}>${t('loc.save')}</button>
        <button type="button" class="btn" onClick=${stop}>${t('common.cancel')}</button>`}
      ${!picking && has && (clearing
        ? html`<button type="button" class="btn btn-danger" data-testid="loc-clear-confirm" disabled=${busy}
            onClick=${async () => { await onSave(null); setClearing(false); }}>${t('loc.clear_confirm')}</button>`
        : html`<button type="button" class="btn btn-ghost" data-testid="loc-clear"
            onClick=${() => setClearing(true)}>${t('loc.clear')}</button>`)}
    </div>`}
  </div>`;
}
