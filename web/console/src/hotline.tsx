// Hotline intake for call-takers: a report filed for a resident who phoned (createHotlineReport). The
// place is picked on the map (or typed, or the map's centre taken, from the keyboard); the routing preview
// names who will handle it and outlines the commune, or says the place is outside the province. Photos
// are optional, uploaded through presigned slots. The answer's code is what the resident's SMS carries.
import { useEffect, useRef, useState } from 'preact/hooks';
import { client, describe, uploadPhoto, type Schemas } from './api';
import { agencyName, categoryName, type Catalogue } from './catalogue';
import { checked, Field, FormProblem, missing, refuse, unchecked, without, type Checked } from './forms';
import { formatTime, lang, t, type Lang } from './i18n';
import { pointPicker, type PointPicker } from './map';

type Receipt = Schemas['HotlineReceipt'];
type Photo = { name: string; pct: number; id?: string; error?: string };
type Point = { lat: number; lng: number; centre: boolean };
const fields = ['phone', 'category', 'location', 'address', 'description', 'photos', 'language', 'publish_consent'] as const;
const maxPhotos = 6;

// newKey is the Idempotency-Key of one call's report, repeated on every retry of it.
function newKey(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return 'call-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

const fixed = (x: number) => x.toFixed(6);

export function HotlineView(props: { catalogue: Catalogue }) {
  const cat = props.catalogue;
  const [key, setKey] = useState(newKey);
  const [phone, setPhone] = useState('');
  const [category, setCategory] = useState('');
  const [latText, setLatText] = useState('');
  const [lngText, setLngText] = useState('');
  const [point, setPoint] = useState<Point | null>(null);
  const [address, setAddress] = useState('');
  const [description, setDescription] = useState('');
  const [smsLang, setSmsLang] = useState<Lang>('vi');
  const [consent, setConsent] = useState(false);
  const [photos, setPhotos] = useState<Photo[]>([]);
  const [preview, setPreview] = useState<{ at: string; decision?: Schemas['RoutingDecision']; error?: string } | null>(null);
  const [errors, setErrors] = useState<Checked>(unchecked);
  const [busy, setBusy] = useState(false);
  const [receipt, setReceipt] = useState<Receipt | null>(null);

  const mapEl = useRef<HTMLDivElement>(null);
  const picker = useRef<PointPicker | null>(null);
  const [mapGen, setMapGen] = useState(0);
  const changed = (...names: string[]) => setErrors((e) => without(e, names));
  const pick = (lat: number, lng: number, centre: boolean) => {
    changed('location');
    setLatText(fixed(lat));
    setLngText(fixed(lng));
    setPoint({ lat, lng, centre });
  };
  useEffect(() => {
    if (!mapEl.current || receipt) return undefined;
    picker.current = pointPicker(mapEl.current, cat.boundaries, (lat, lng) => pick(lat, lng, false));
    setMapGen((n) => n + 1);
    return () => { picker.current?.remove(); picker.current = null; };
  }, [cat.boundaries, receipt]);
  useEffect(() => { if (point) picker.current?.place(point.lat, point.lng, point.centre); }, [point, mapGen]);
  useEffect(() => { picker.current?.outline(preview?.decision?.commune?.code); }, [preview, mapGen]);

  // Who would handle it, asked again when the place or the category changes (a late answer for an
  // earlier place is dropped).
  useEffect(() => {
    if (!point || !category) { setPreview(null); return undefined; }
    let live = true;
    const at = `${fixed(point.lat)},${fixed(point.lng)}`;
    const timer = setTimeout(() => {
      client.GET('/v1/routing/preview', { params: { query: { category, lat: point.lat, lng: point.lng } } }).then(
        (r) => live && setPreview(r.data ? { at, decision: r.data } : { at, error: describe(r.error) }),
        (e: Error) => live && setPreview({ at, error: e.message }));
    }, 250);
    return () => { live = false; clearTimeout(timer); };
  }, [point, category]);

  const typed = () => {
    const lat = Number(latText), lng = Number(lngText);
    if (latText && lngText && Number.isFinite(lat) && Number.isFinite(lng)) { changed('location'); setPoint({ lat, lng, centre: true }); }
  };
  const addPhotos = async (files: FileList | null | undefined) => {
    const list = Array.from(files ?? []).slice(0, maxPhotos - photos.length);
    let all = [...photos, ...list.map((f) => ({ name: f.name, pct: 0 }))];
    setPhotos(all);
    for (const [i, file] of list.entries()) {
      const at = photos.length + i;
      const update = (p: Partial<Photo>) => { all = all.map((x, j) => (j === at ? { ...x, ...p } : x)); setPhotos(all); };
      try {
        update({ id: await uploadPhoto(file, (pct) => update({ pct })), pct: 100 });
      } catch (e) {
        update({ error: (e as Error).message });
      }
    }
  };
  const uploading = photos.some((p) => !p.id && !p.error);

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    if (!point) { refuse(form, missing('location', t('pickLocation')), setErrors); return; }
    const body: Schemas['HotlineReportInput'] = { phone, category, description, location: { lat: point.lat, lng: point.lng },
      language: smsLang, publish_consent: consent };
    if (address) body.address = address;
    const ids = photos.flatMap((p) => (p.id ? [p.id] : []));
    if (ids.length) body.photos = ids;
    setBusy(true);
    try {
      const r = await client.POST('/v1/hotline/reports', { params: { header: { 'Idempotency-Key': key } }, body });
      if (r.data) { setReceipt(r.data); setErrors(unchecked); return; }
      refuse(form, checked(r.error, fields), setErrors);
    } catch {
      // The report may have been filed before the connection broke: the same key files it at most once.
      refuse(form, { fields: {}, general: t('sendAgainSafe') }, setErrors);
    } finally {
      setBusy(false);
    }
  };
  const nextCall = () => {
    setKey(newKey());
    setPhone(''); setCategory(''); setLatText(''); setLngText(''); setPoint(null); setAddress(''); setDescription('');
    setConsent(false); setPhotos([]); setPreview(null); setErrors(unchecked); setReceipt(null);
  };

  if (receipt) {
    return (
      <section class="card receipt" aria-labelledby="hl-done" data-testid="hotline-receipt" data-code={receipt.code} data-id={receipt.id}
        data-sms-sent={String(receipt.sms_sent)}>
        <h2 id="hl-done">{t('hotlineFiled')}</h2>
        <p class="code" data-testid="hotline-code">{receipt.code}</p>
        <p role="status" class={receipt.sms_sent ? '' : 'error'}>
          {receipt.sms_sent ? t('smsSent', { phone: receipt.phone }) : t('smsFailed', { phone: receipt.phone })}</p>
        <dl>
          <dt>{t('agency')}</dt><dd>{agencyName(cat, receipt.agency_id)}</dd>
          {receipt.routing && <><dt>{t('routing')}</dt><dd>{lang() === 'en' ? receipt.routing.reason : receipt.routing.reason_vi}</dd></>}
          <dt>{t('created')}</dt><dd>{formatTime(receipt.created_at)}</dd>
        </dl>
        <p>{t('hotlineFollow')}</p>
        <button type="button" data-testid="hotline-next" onClick={nextCall}>{t('nextCall')}</button>
      </section>
    );
  }
  const d = preview?.decision;
  return (
    <section aria-labelledby="hl-title" data-testid="hotline">
      <h2 id="hl-title">{t('hotline')}</h2>
      <form class="hotline" onSubmit={submit} noValidate data-testid="hotline-form">
        <FormProblem errors={errors} />
        <div class="grid">
          <div class="card">
            <Field form="hl" name="phone" label={t('callerPhone')} errors={errors} hint={t('callerPhoneHint')}>
              {(a) => <input {...a} type="tel" inputMode="tel" autocomplete="off" required data-testid="hotline-phone" value={phone}
                onInput={(e) => { setPhone(e.currentTarget.value); changed('phone'); }} />}
            </Field>
            <Field form="hl" name="category" label={t('category')} errors={errors}>
              {(a) => <select {...a} required data-testid="hotline-category" value={category} onChange={(e) => { setCategory(e.currentTarget.value); changed('category'); }}>
                <option value="" disabled>—</option>
                {cat.categories.map((c) => <option value={c.code}>{categoryName(cat, c.code)}</option>)}
              </select>}
            </Field>
            <Field form="hl" name="description" label={t('description')} errors={errors} hint={t('descriptionHint')}>
              {(a) => <textarea {...a} required rows={5} maxLength={4000} data-testid="hotline-description" value={description}
                onInput={(e) => { setDescription(e.currentTarget.value); changed('description'); }} />}
            </Field>
            <Field form="hl" name="address" label={t('addressOptional')} errors={errors}>
              {(a) => <input {...a} maxLength={300} value={address} onInput={(e) => { setAddress(e.currentTarget.value); changed('address'); }} />}
            </Field>
            <Field form="hl" name="language" label={t('smsLanguage')} errors={errors}>
              {(a) => <select {...a} value={smsLang} onChange={(e) => setSmsLang(e.currentTarget.value as Lang)}>
                <option value="vi">Tiếng Việt</option><option value="en">English</option></select>}
            </Field>
            <label class="check"><input type="checkbox" checked={consent} onChange={(e) => setConsent(e.currentTarget.checked)} />{t('publishConsent')}</label>
          </div>
          <fieldset class="card" aria-describedby={errors.fields.location ? 'hl-location-err' : undefined}>
            <legend>{t('location')}</legend>
            <p class="field-hint" id="hl-map-help">{t('pickOnMap')}</p>
            <div ref={mapEl} class="map tall" data-testid="hotline-map" role="application" aria-label={t('pickOnMap')} aria-describedby="hl-map-help" />
            <div class="coords">
              <label>{t('latitude')}<input type="number" step="any" min={-90} max={90} data-testid="hotline-lat" value={latText}
                aria-invalid={errors.fields.location ? 'true' : undefined}
                onInput={(e) => setLatText(e.currentTarget.value)} onChange={typed} /></label>
              <label>{t('longitude')}<input type="number" step="any" min={-180} max={180} data-testid="hotline-lng" value={lngText}
                aria-invalid={errors.fields.location ? 'true' : undefined}
                onInput={(e) => setLngText(e.currentTarget.value)} onChange={typed} /></label>
              <button type="button" onClick={() => { const c = picker.current?.centre(); if (c) pick(c.lat, c.lng, false); }}>{t('useMapCentre')}</button>
            </div>
            {errors.fields.location && <p id="hl-location-err" class="field-error" data-testid="field-error-location">{errors.fields.location}</p>}
            <div role="status" data-testid="hotline-routing" data-agency={d?.agency.id ?? ''} data-commune={d?.commune?.code ?? ''} data-point={preview?.at ?? ''}
              class={preview?.error ? 'error' : ''}>
              {preview?.error ? preview.error
                : d ? t('willHandle', { agency: agencyName(cat, d.agency.id), commune: d.commune ? (lang() === 'en' ? d.commune.name_en : d.commune.name) : '—' })
                  : t('routingNeeds')}
            </div>
          </fieldset>
        </div>
        <div class="card">
          <Field form="hl" name="photos" label={t('photosOptional')} errors={errors}>
            {(a) => <input {...a} type="file" multiple data-testid="hotline-photos" accept="image/jpeg,image/png,image/webp,image/heic"
              disabled={photos.length >= maxPhotos || uploading} onChange={(e) => { addPhotos(e.currentTarget.files); e.currentTarget.value = ''; }} />}
          </Field>
          <ul class="uploads">
            {photos.map((p, i) => (
              <li data-testid="hotline-upload" data-pct={p.pct} data-upload-id={p.id ?? ''}>
                {p.name}: {p.error ? t('uploadFailed', { detail: p.error }) : p.id ? t('uploadDone') : t('uploadProgress', { pct: p.pct })}
                {!p.id && !p.error && <progress max={100} value={p.pct} aria-label={p.name} />}{' '}
                <button type="button" disabled={uploading} aria-label={`${t('remove')} ${p.name}`} onClick={() => setPhotos(photos.filter((_, j) => j !== i))}>{t('remove')}</button>
              </li>
            ))}
          </ul>
        </div>
        <button type="submit" data-testid="hotline-submit" disabled={busy || uploading}>{busy ? t('filing') : t('fileReport')}</button>
      </form>
    </section>
  );
}
