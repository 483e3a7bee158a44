// What every view reads once: categories, agencies and the communes' boundaries (public routes).
import { client, type Schemas } from './api';
import { lang } from './i18n';

export type Boundaries = Schemas['BoundaryCollection'];

export interface Catalogue {
  categories: Schemas['Category'][];
  agencies: Schemas['Agency'][];
  boundaries: Boundaries;
}

// loadCatalogue answers as soon as categories and agencies are in; the boundaries (half a megabyte) follow
// through onBoundaries, so the queue shows first and the communes' names and maps fill in after.
export async function loadCatalogue(onBoundaries: (b: Boundaries) => void): Promise<Catalogue> {
  const [c, a] = await Promise.all([client.GET('/v1/categories'), client.GET('/v1/agencies')]);
  if (!c.data || !a.data) throw new Error('catalogue');
  client.GET('/v1/public/boundaries').then((b) => b.data && onBoundaries(b.data), () => {});
  return { categories: c.data.items, agencies: a.data.items, boundaries: { type: 'FeatureCollection', features: [] } };
}

export const communes = (cat: Catalogue) =>
  cat.boundaries.features.filter((f) => f.properties.kind === 'commune' && f.properties.code)
    .map((f) => ({ code: f.properties.code ?? '', name: (lang() === 'en' ? f.properties.name_en : f.properties.name) ?? '' }))
    .sort((x, y) => x.name.localeCompare(y.name));

export function categoryName(cat: Catalogue, code: string): string {
  const c = cat.categories.find((x) => x.code === code);
  return c ? (lang() === 'en' ? c.name_en : c.name_vi) : code;
}

export function agencyName(cat: Catalogue, id: string | undefined): string {
  const a = cat.agencies.find((x) => x.id === id);
  return a ? (lang() === 'en' ? a.name_en : a.name_vi) : (id ?? '');
}

export function communeName(cat: Catalogue, code: string | undefined): string {
  const f = cat.boundaries.features.find((x) => x.properties.kind === 'commune' && x.properties.code === code);
  return f ? ((lang() === 'en' ? f.properties.name_en : f.properties.name) ?? code ?? '') : (code ?? '');
}
