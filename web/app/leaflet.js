// Leaflet, loaded only by the pages that draw a map (416 KB of script a phone on 3G should not
// fetch for the login page), plus the base-map (tile) setting and the WGS-84 → GCJ-02 shift.
//
// Leaflet 1.9 ships an ES module build (dist/leaflet-src.esm.js); leaflet.markercluster is a UMD
// plugin that extends a global `L`. An ES module namespace is frozen, so the plugin gets a
// mutable copy of it as window.L, and is imported only after that copy exists.
//
// Base map ("tiles"). Default: none. A county may have no tile server it is allowed to use, and
// the server's Content-Security-Policy (img-src 'self') forbids images from other hosts, so the
// map draws households and village boundaries on a plain background. Each device may choose a
// tile source on the map page (stored in localStorage under "xc_tiles"):
//   {"preset":"none"}                                   plain background (default)
//   {"preset":"osm"}                                    OpenStreetMap (WGS-84 / Web Mercator)
//   {"preset":"tianditu","key":"<tk>"}                  天地图 vector + labels (CGCS2000 ≈ WGS-84)
//   {"preset":"gaode"}                                  高德-style tiles, GCJ-02 offsets
//   {"preset":"custom","url":"https://…/{z}/{x}/{y}.png","crs":"wgs84"|"gcj02","attribution":"…"}
// Tiles from another host also need that host in the server's CSP img-src. Data always stays
// WGS-84: with a GCJ-02 source, points are shifted for display only and clicks shifted back.

const CSS = ['/vendor/leaflet/dist/leaflet.css',
  '/vendor/leaflet.markercluster/dist/MarkerCluster.css',
  '/vendor/leaflet.markercluster/dist/MarkerCluster.Default.css'];

let loading = null;

function addCss(href) {
  if (document.querySelector(`link[data-leaflet][href="${href}"]`)) return Promise.resolve();
  return new Promise((ok) => {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    link.dataset.leaflet = '';
    // A missing stylesheet should not stop the map: markers still work, only uglier.
    link.onload = ok;
    link.onerror = ok;
    document.head.appendChild(link);
  });
}

export function loadLeaflet() {
  if (!loading) {
    loading = (async () => {
      const [ns] = await Promise.all([import('leaflet'), ...CSS.map(addCss)]);
      const L = { ...ns };
      window.L = L;
      await import('leaflet.markercluster');
      return L;
    })();
    loading.catch(() => { loading = null; });
  }
  return loading;
}

// ---- base map setting ------------------------------------------------------------------------

const KEY = 'xc_tiles';
export const TILE_PRESETS = ['none', 'osm', 'tianditu', 'gaode', 'custom'];

export function getTiles() {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) || 'null');
    if (v && TILE_PRESETS.includes(v.preset)) return v;
  } catch { /* a broken value means the default */ }
  return { preset: 'none' };
}

export function setTiles(v) {
  if (!v || v.preset === 'none') localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, JSON.stringify(v));
}

// The tile layers for a setting, and the datum they are drawn in.
export function tileLayers(L, cfg = getTiles()) {
  const tdt = (layer) => `https://t{s}.tianditu.gov.cn/${layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile` +
    `&VERSION=1.0.0&LAYER=${layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles` +
    `&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=${encodeURIComponent(cfg.key || '')}`;
  switch (cfg.preset) {
    case 'osm':
      return { crs: 'wgs84', layers: [L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png',
        { maxZoom: 19, attribution: '© OpenStreetMap contributors' })] };
    case 'tianditu':
      return { crs: 'wgs84', layers: ['vec', 'cva'].map((l) => L.tileLayer(tdt(l),
        { subdomains: '01234567', maxZoom: 18, attribution: '天地图' })) };
    case 'gaode':
      return { crs: 'gcj02', layers: [L.tileLayer(
        'https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}',
        { subdomains: '1234', maxZoom: 18, attribution: '高德地图' })] };
    case 'custom':
      if (!/^https?:\/\/|^\//.test(cfg.url || '')) break;
      return { crs: cfg.crs === 'gcj02' ? 'gcj02' : 'wgs84', layers: [L.tileLayer(cfg.url,
        { maxZoom: 19, attribution: cfg.attribution || '' })] };
    default:
  }
  return { crs: 'wgs84', layers: [] };
}

// ---- WGS-84 ↔ GCJ-02 (the "Mars" datum of Chinese map providers) ----------------------------
// The published approximation (Krasovsky ellipsoid); accurate to ~1 m, identity outside China.

const A = 6378245.0;
const EE = 0.00669342162296594323;

const outOfChina = (lat, lon) => lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;

function tLat(x, y) {
  let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
  r += (20 * Math.sin(y * Math.PI) + 40 * Math.sin(y / 3 * Math.PI)) * 2 / 3;
  r += (160 * Math.sin(y / 12 * Math.PI) + 320 * Math.sin(y * Math.PI / 30)) * 2 / 3;
  return r;
}

function tLon(x, y) {
  let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
  r += (20 * Math.sin(x * Math.PI) + 40 * Math.sin(x / 3 * Math.PI)) * 2 / 3;
  r += (150 * Math.sin(x / 12 * Math.PI) + 300 * Math.sin(x / 30 * Math.PI)) * 2 / 3;
  return r;
}

// A Leaflet map in el with the device's base-map setting and a scale. Sets s.L, s.map
// and s.datum (stored WGS-84 ↔ the base map's datum) on the component's state object s.
export function baseMap(L, el, s, opts = {}) {
  const base = tileLayers(L, getTiles());
  const map = L.map(el, { attributionControl: base.layers.length > 0, maxZoom: 19, ...opts });
  if (map.attributionControl) map.attributionControl.setPrefix(false);
  base.layers.forEach((l) => l.addTo(map));
  L.control.scale({ imperial: false }).addTo(map);
  Object.assign(s, { L, map, datum: datum(base.crs) });
  return map;
}

export function wgs84ToGcj02(lat, lon) {
  if (outOfChina(lat, lon)) return [lat, lon];
  let dLat = tLat(lon - 105, lat - 35);
  let dLon = tLon(lon - 105, lat - 35);
  const rad = lat / 180 * Math.PI;
  let magic = Math.sin(rad);
  magic = 1 - EE * magic * magic;
  const sq = Math.sqrt(magic);
  dLat = (dLat * 180) / ((A * (1 - EE)) / (magic * sq) * Math.PI);
  dLon = (dLon * 180) / (A / sq * Math.cos(rad) * Math.PI);
  return [lat + dLat, lon + dLon];
}

// Inverse by fixed-point iteration (converges to well under a centimetre in a few steps).
export function gcj02ToWgs84(lat, lon) {
  if (outOfChina(lat, lon)) return [lat, lon];
  let wLat = lat, wLon = lon;
  for (let i = 0; i < 6; i++) {
    const [gLat, gLon] = wgs84ToGcj02(wLat, wLon);
    wLat += lat - gLat;
    wLon += lon - gLon;
  }
  return [wLat, wLon];
}

// Converters between stored WGS-84 and the map's display datum.
export function datum(crs) {
  return crs === 'gcj02'
    ? { show: wgs84ToGcj02, store: gcj02ToWgs84 }
    : { show: (lat, lon) => [lat, lon], store: (lat, lon) => [lat, lon] };
}

// Great-circle distance in metres.
export function distanceM(lat1, lon1, lat2, lon2) {
  const R = 6371008.8, rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(a)));
}

// A GeoJSON layer's coordinates shifted for display (boundaries on a GCJ-02 base map).
export function shiftGeoJSON(gj, show) {
  const walk = (c) => (typeof c[0] === 'number' ? (() => { const [la, lo] = show(c[1], c[0]); return [lo, la]; })()
    : c.map(walk));
  const geom = (g) => (!g ? g : g.type === 'GeometryCollection'
    ? { ...g, geometries: g.geometries.map(geom) } : { ...g, coordinates: walk(g.coordinates) });
  if (gj.type === 'FeatureCollection') return { ...gj, features: gj.features.map((f) => ({ ...f, geometry: geom(f.geometry) })) };
  if (gj.type === 'Feature') return { ...gj, geometry: geom(gj.geometry) };
  return geom(gj);
}

// Read the phone's position once; resolves {lat, lon, accuracy} or rejects with a code
// ('unsupported', 'denied', 'unavailable', 'timeout').
export function locate({ timeout = 20000 } = {}) {
  return new Promise((ok, bad) => {
    if (!navigator.geolocation) { bad(new Error('unsupported')); return; }
    navigator.geolocation.getCurrentPosition(
      (p) => ok({ lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy }),
      (e) => bad(new Error(['', 'denied', 'unavailable', 'timeout'][e.code] || 'unavailable')),
      { enableHighAccuracy: true, timeout, maximumAge: 0 });
  });
}
