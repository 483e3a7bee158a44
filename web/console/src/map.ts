// Leaflet maps: a ticket's location with its commune's boundary, and open tickets per commune.
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import type { Boundaries } from './catalogue';

interface PageConfig { tileUrl?: string; attribution?: string }

// The base map's tiles come from the operator's configuration, put into the page by the server.
function config(): PageConfig {
  try {
    return JSON.parse(document.querySelector('meta[name="qn-config"]')?.getAttribute('content') ?? '{}') as PageConfig;
  } catch {
    return {};
  }
}

function baseMap(el: HTMLElement): L.Map {
  const map = L.map(el, { attributionControl: true });
  map.attributionControl.setPrefix('');
  const cfg = config();
  if (cfg.tileUrl) L.tileLayer(cfg.tileUrl, { attribution: cfg.attribution ?? '', maxZoom: 19 }).addTo(map);
  return map;
}

type Feature = Boundaries['features'][number];

const communeFeature = (b: Boundaries, code: string | undefined): Feature | undefined =>
  b.features.find((f) => f.properties.kind === 'commune' && f.properties.code === code);

// ticketMap draws the point and the commune's outline; it returns a function that removes the map.
export function ticketMap(el: HTMLElement, b: Boundaries, lat: number, lng: number, communeCode: string | undefined): () => void {
  const map = baseMap(el);
  const f = communeFeature(b, communeCode);
  if (f) {
    const layer = L.geoJSON(f as unknown as GeoJSON.Feature, { style: { color: '#1d4ed8', weight: 2, fillOpacity: 0.06 } }).addTo(map);
    map.fitBounds(layer.getBounds().extend([lat, lng]), { padding: [12, 12] });
  } else {
    map.setView([lat, lng], 15);
  }
  L.circleMarker([lat, lng], { radius: 8, color: '#b91c1c', fillOpacity: 0.8 }).addTo(map);
  el.dataset.mapReady = b.features.length > 0 ? 'true' : 'pending'; // the boundaries arrive after the first draw
  return () => map.remove();
}

// openTicketsMap draws a circle per commune, its area growing with the commune's open tickets.
export function openTicketsMap(el: HTMLElement, b: Boundaries, perCommune: Map<string, number>): () => void {
  const map = baseMap(el);
  const province = b.features.find((f) => f.properties.kind === 'province');
  const outline = L.geoJSON((province ?? { type: 'FeatureCollection', features: [] }) as unknown as GeoJSON.GeoJsonObject,
    { style: { color: '#475569', weight: 1, fillOpacity: 0 } }).addTo(map);
  const bounds = outline.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds); else map.setView([21.0, 107.3], 9);
  let drawn = 0;
  for (const [code, n] of perCommune) {
    const f = communeFeature(b, code);
    if (!f || n === 0) continue;
    const centre = L.geoJSON(f as unknown as GeoJSON.Feature).getBounds().getCenter();
    L.circleMarker(centre, { radius: 4 + Math.sqrt(n) * 2, color: '#b45309', fillOpacity: 0.5 })
      .bindTooltip(`${f.properties.name ?? code}: ${n}`).addTo(map);
    drawn++;
  }
  el.dataset.mapReady = b.features.length > 0 ? 'true' : 'pending';
  el.dataset.communes = String(drawn);
  return () => map.remove();
}

// PointPicker is a map where a click places the point of a report; the point's commune is outlined. The
// view stays where the person put it (a commune with islands spans half the bay).
export interface PointPicker {
  place(lat: number, lng: number, centre: boolean): void;
  outline(communeCode: string | undefined): void;
  centre(): { lat: number; lng: number };
  remove(): void;
}

// pointPicker opens on the province and calls onPick with the clicked point.
export function pointPicker(el: HTMLElement, b: Boundaries, onPick: (lat: number, lng: number) => void): PointPicker {
  const map = baseMap(el);
  const province = b.features.find((f) => f.properties.kind === 'province');
  const bounds = province ? L.geoJSON(province as unknown as GeoJSON.Feature, { style: { color: '#475569', weight: 1, fillOpacity: 0 } }).addTo(map).getBounds() : null;
  if (bounds?.isValid()) map.fitBounds(bounds); else map.setView([21.0, 107.3], 9);
  let marker: L.CircleMarker | null = null;
  let commune: L.GeoJSON | null = null;
  let communeCode: string | undefined;
  map.on('click', (e: L.LeafletMouseEvent) => onPick(e.latlng.lat, e.latlng.lng));
  el.dataset.mapReady = b.features.length > 0 ? 'true' : 'pending';
  return {
    place(lat, lng, centre) {
      marker?.remove();
      marker = L.circleMarker([lat, lng], { radius: 8, color: '#b91c1c', fillOpacity: 0.8, className: 'picked-point' }).addTo(map);
      if (centre) map.setView([lat, lng], Math.max(map.getZoom(), 15), { animate: false });
    },
    outline(code) {
      if (code === communeCode && (commune || !code)) return;
      commune?.remove();
      commune = null;
      communeCode = code;
      const f = communeFeature(b, code);
      if (f) commune = L.geoJSON(f as unknown as GeoJSON.Feature, { style: { color: '#1d4ed8', weight: 2, fillOpacity: 0.12 } }).addTo(map);
      el.dataset.commune = f ? code : '';
    },
    centre: () => map.getCenter(),
    remove: () => map.remove(),
  };
}
