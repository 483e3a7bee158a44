// Agencies and categories, edited by admins (putAgency, putCategory: create or replace, applied at once).
// Every field the API holds is editable; its refusals are shown next to the fields. A save updates the
// catalogue every view reads, so names and handlers change across the console without a reload.
import { useEffect, useState } from 'preact/hooks';
import { client, type Schemas } from './api';
import { agencyName, categoryName, communeName, communes, type Catalogue } from './catalogue';
import { checked, Field, FormProblem, missing, refuse, unchecked, without, type Checked } from './forms';
import { t } from './i18n';

type Agency = Schemas['Agency'];
type Category = Schemas['Category'];
const agencyKinds: Agency['kind'][] = ['commune', 'provincial', 'utility', 'operations_centre'];
const deadlineClasses: Category['deadline_class'][] = ['normal', 'urgent'];

export function CatalogueView(props: { catalogue: Catalogue; onChange: (update: (c: Catalogue) => Catalogue) => void }) {
  return (
    <section aria-labelledby="cat-admin-title" data-testid="catalogue-admin">
      <h2 id="cat-admin-title">{t('catalogue')}</h2>
      <CategoriesEditor catalogue={props.catalogue} onChange={props.onChange} />
      <AgenciesEditor catalogue={props.catalogue} onChange={props.onChange} />
    </section>
  );
}

const agencyFields = ['id', 'name_vi', 'name_en', 'kind', 'commune_code'] as const;

function AgenciesEditor(props: { catalogue: Catalogue; onChange: (update: (c: Catalogue) => Catalogue) => void }) {
  const cat = props.catalogue;
  const [editing, setEditing] = useState<{ isNew: boolean; a: Agency } | null>(null);
  const [errors, setErrors] = useState<Checked>(unchecked);
  const [msg, setMsg] = useState('');
  const [busy, setBusy] = useState(false);
  const [opened, setOpened] = useState(0);
  const open = (isNew: boolean, a: Agency) => { setEditing({ isNew, a: { ...a } }); setErrors(unchecked); setMsg(''); setOpened((n) => n + 1); };
  useEffect(() => { if (opened) document.getElementById(editing?.isNew ? 'ag-id' : 'ag-name_vi')?.focus(); }, [opened]);
  const set = (p: Partial<Agency>) => {
    if (editing) setEditing({ ...editing, a: { ...editing.a, ...p } });
    setErrors((e) => without(e, Object.keys(p)));
  };
  const save = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    if (!editing) return;
    const { id, name_vi, name_en, kind, commune_code } = editing.a;
    if (!id) { refuse(form, missing('id', t('required')), setErrors); return; }
    const body: Schemas['AgencyInput'] = { name_vi, name_en, kind };
    if (commune_code) body.commune_code = commune_code;
    setBusy(true);
    const r = await client.PUT('/v1/admin/agencies/{id}', { params: { path: { id } }, body }).finally(() => setBusy(false));
    if (!r.data) { refuse(form, checked(r.error, agencyFields), setErrors); return; }
    const saved = r.data;
    props.onChange((c) => ({ ...c, agencies: [...c.agencies.filter((x) => x.id !== saved.id), saved].sort((x, y) => x.id.localeCompare(y.id)) }));
    setEditing(null);
    setMsg(t('savedItem', { name: saved.id }));
  };
  return (
    <section class="card" aria-labelledby="ag-title" data-testid="agencies-admin">
      <h3 id="ag-title">{t('agencies')}</h3>
      {msg && <p role="status" data-testid="agency-saved">{msg}</p>}
      <button type="button" data-testid="new-agency" onClick={() => open(true, { id: '', name_vi: '', name_en: '', kind: 'provincial' })}>{t('newAgency')}</button>
      {editing && (
        <form class="editor" onSubmit={save} noValidate aria-label={editing.isNew ? t('newAgency') : t('editItem', { name: editing.a.id })} data-testid="agency-form">
          <FormProblem errors={errors} />
          <Field form="ag" name="id" label={t('agencyId')} errors={errors} hint={editing.isNew ? t('agencyIdHint') : undefined}>
            {(a) => <input {...a} required readOnly={!editing.isNew} value={editing.a.id} onInput={(e) => set({ id: e.currentTarget.value })} />}
          </Field>
          <Field form="ag" name="name_vi" label={t('nameVi')} errors={errors}>
            {(a) => <input {...a} required lang="vi" maxLength={200} value={editing.a.name_vi} onInput={(e) => set({ name_vi: e.currentTarget.value })} />}
          </Field>
          <Field form="ag" name="name_en" label={t('nameEn')} errors={errors}>
            {(a) => <input {...a} required lang="en" maxLength={200} value={editing.a.name_en} onInput={(e) => set({ name_en: e.currentTarget.value })} />}
          </Field>
          <Field form="ag" name="kind" label={t('kind')} errors={errors}>
            {(a) => <select {...a} value={editing.a.kind} onChange={(e) => set({ kind: e.currentTarget.value as Agency['kind'] })}>
              {agencyKinds.map((k) => <option value={k}>{agencyKindName(k)}</option>)}</select>}
          </Field>
          <Field form="ag" name="commune_code" label={t('communeCode')} errors={errors} hint={t('communeCodeHint')}>
            {(a) => <input {...a} inputMode="numeric" list="ag-communes" value={editing.a.commune_code ?? ''}
              onInput={(e) => set({ commune_code: e.currentTarget.value || undefined })} />}
          </Field>
          <datalist id="ag-communes">{communes(cat).map((c) => <option value={c.code}>{c.name}</option>)}</datalist>
          <div class="buttons">
            <button type="submit" data-testid="save-agency" disabled={busy}>{t('save')}</button>
            <button type="button" onClick={() => setEditing(null)}>{t('cancel')}</button>
          </div>
        </form>
      )}
      <div class="scroll">
        <table>
          <thead><tr><th scope="col">ID</th><th scope="col">{t('nameVi')}</th><th scope="col">{t('nameEn')}</th><th scope="col">{t('kind')}</th>
            <th scope="col">{t('commune')}</th><th scope="col"><span class="sr">{t('actions')}</span></th></tr></thead>
          <tbody>{cat.agencies.map((a) => (
            <tr data-testid="agency-row" data-id={a.id} data-kind={a.kind}>
              <th scope="row">{a.id}</th><td>{a.name_vi}</td><td>{a.name_en}</td><td>{agencyKindName(a.kind)}</td>
              <td>{a.commune_code ? `${communeName(cat, a.commune_code)} (${a.commune_code})` : ''}</td>
              <td><button type="button" data-testid="edit-agency" aria-label={t('editItem', { name: agencyName(cat, a.id) })}
                onClick={() => open(false, a)}>{t('edit')}</button></td>
            </tr>))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

const categoryFields = ['code', 'name_vi', 'name_en', 'group', 'handled_by', 'deadline_class', 'sensitive', 'physical', 'public_location_precision_m'] as const;
const precisions = [0, 100, 250, 500, 1000];

function CategoriesEditor(props: { catalogue: Catalogue; onChange: (update: (c: Catalogue) => Catalogue) => void }) {
  const cat = props.catalogue;
  const [editing, setEditing] = useState<{ isNew: boolean; c: Category } | null>(null);
  const [errors, setErrors] = useState<Checked>(unchecked);
  const [msg, setMsg] = useState('');
  const [busy, setBusy] = useState(false);
  const groups = [...new Set(cat.categories.map((c) => c.group))].sort();
  const [opened, setOpened] = useState(0);
  const open = (isNew: boolean, c: Category) => { setEditing({ isNew, c: { ...c } }); setErrors(unchecked); setMsg(''); setOpened((n) => n + 1); };
  useEffect(() => { if (opened) document.getElementById(editing?.isNew ? 'cat-code' : 'cat-name_vi')?.focus(); }, [opened]);
  const set = (p: Partial<Category>) => {
    if (editing) setEditing({ ...editing, c: { ...editing.c, ...p } });
    setErrors((e) => without(e, Object.keys(p)));
  };
  const save = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    if (!editing) return;
    const { code, name_vi, name_en, group, handled_by, deadline_class, sensitive, physical, public_location_precision_m } = editing.c;
    if (!code) { refuse(form, missing('code', t('required')), setErrors); return; }
    setBusy(true);
    const r = await client.PUT('/v1/admin/categories/{code}', { params: { path: { code } },
      body: { name_vi, name_en, group, handled_by, deadline_class, sensitive, physical: physical ?? false, public_location_precision_m } }).finally(() => setBusy(false));
    if (!r.data) { refuse(form, checked(r.error, categoryFields), setErrors); return; }
    const saved = r.data;
    props.onChange((c) => ({ ...c, categories: [...c.categories.filter((x) => x.code !== saved.code), saved].sort((x, y) => x.code.localeCompare(y.code)) }));
    setEditing(null);
    setMsg(t('savedItem', { name: saved.code }));
  };
  const handler = (h: string) => (h === 'commune' ? t('communeHandler') : agencyName(cat, h));
  return (
    <section class="card" aria-labelledby="cat-title" data-testid="categories-admin">
      <h3 id="cat-title">{t('categories')}</h3>
      {msg && <p role="status" data-testid="category-saved">{msg}</p>}
      <button type="button" data-testid="new-category" onClick={() => open(true, { code: '', name_vi: '', name_en: '', group: '',
        handled_by: 'commune', deadline_class: 'normal', sensitive: false, physical: false, public_location_precision_m: 100 })}>{t('newCategory')}</button>
      {editing && (
        <form class="editor" onSubmit={save} noValidate aria-label={editing.isNew ? t('newCategory') : t('editItem', { name: editing.c.code })} data-testid="category-form">
          <FormProblem errors={errors} />
          <Field form="cat" name="code" label={t('code')} errors={errors} hint={editing.isNew ? t('categoryCodeHint') : undefined}>
            {(a) => <input {...a} required readOnly={!editing.isNew} value={editing.c.code} onInput={(e) => set({ code: e.currentTarget.value })} />}
          </Field>
          <Field form="cat" name="name_vi" label={t('nameVi')} errors={errors}>
            {(a) => <input {...a} required lang="vi" maxLength={200} value={editing.c.name_vi} onInput={(e) => set({ name_vi: e.currentTarget.value })} />}
          </Field>
          <Field form="cat" name="name_en" label={t('nameEn')} errors={errors}>
            {(a) => <input {...a} required lang="en" maxLength={200} value={editing.c.name_en} onInput={(e) => set({ name_en: e.currentTarget.value })} />}
          </Field>
          <Field form="cat" name="group" label={t('group')} errors={errors}>
            {(a) => <input {...a} required maxLength={40} list="cat-groups" value={editing.c.group} onInput={(e) => set({ group: e.currentTarget.value })} />}
          </Field>
          <datalist id="cat-groups">{groups.map((g) => <option value={g} />)}</datalist>
          <Field form="cat" name="handled_by" label={t('handledBy')} errors={errors}>
            {(a) => <select {...a} value={editing.c.handled_by} onChange={(e) => set({ handled_by: e.currentTarget.value })}>
              <option value="commune">{t('communeHandler')}</option>
              {cat.agencies.filter((x) => x.kind !== 'commune').map((x) => <option value={x.id}>{agencyName(cat, x.id)}</option>)}
            </select>}
          </Field>
          <Field form="cat" name="deadline_class" label={t('deadlineClass')} errors={errors} hint={t('deadlineClassHint')}>
            {(a) => <select {...a} data-testid="category-deadline" value={editing.c.deadline_class}
              onChange={(e) => set({ deadline_class: e.currentTarget.value as Category['deadline_class'] })}>
              {deadlineClasses.map((d) => <option value={d}>{deadlineClassName(d)}</option>)}</select>}
          </Field>
          <Field form="cat" name="public_location_precision_m" label={t('publicPrecision')} errors={errors} hint={t('publicPrecisionHint')}>
            {(a) => <select {...a} data-testid="category-precision" value={String(editing.c.public_location_precision_m)}
              onChange={(e) => set({ public_location_precision_m: Number(e.currentTarget.value) })}>
              {[...new Set([...precisions, editing.c.public_location_precision_m])].sort((x, y) => x - y).map((m) =>
                <option value={String(m)}>{m === 0 ? t('precisionExact') : t('precisionMetres', { n: String(m) })}</option>)}</select>}
          </Field>
          <label class="check"><input type="checkbox" name="sensitive" checked={editing.c.sensitive}
            onChange={(e) => set({ sensitive: e.currentTarget.checked })} />{t('sensitiveHint')}</label>
          <label class="check"><input type="checkbox" name="physical" checked={editing.c.physical ?? false}
            onChange={(e) => set({ physical: e.currentTarget.checked })} />{t('physicalHint')}</label>
          <div class="buttons">
            <button type="submit" data-testid="save-category" disabled={busy}>{t('save')}</button>
            <button type="button" onClick={() => setEditing(null)}>{t('cancel')}</button>
          </div>
        </form>
      )}
      <div class="scroll">
        <table>
          <thead><tr><th scope="col">{t('code')}</th><th scope="col">{t('name')}</th><th scope="col">{t('group')}</th>
            <th scope="col">{t('handledBy')}</th><th scope="col">{t('deadlineClass')}</th><th scope="col">{t('flags')}</th>
            <th scope="col"><span class="sr">{t('actions')}</span></th></tr></thead>
          <tbody>{cat.categories.map((c) => (
            <tr data-testid="category-row" data-code={c.code} data-deadline={c.deadline_class}>
              <th scope="row">{c.code}</th><td>{categoryName(cat, c.code)}</td><td>{c.group}</td><td>{handler(c.handled_by)}</td>
              <td class={c.deadline_class === 'urgent' ? 'late' : ''}>{c.deadline_class === 'urgent' ? t('urgent') : t('deadlineNormalShort')}</td>
              <td>{[c.sensitive && t('sensitive'), c.physical && t('physical')].filter(Boolean).join(', ')}</td>
              <td><button type="button" data-testid="edit-category" aria-label={t('editItem', { name: categoryName(cat, c.code) })}
                onClick={() => open(false, c)}>{t('edit')}</button></td>
            </tr>))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

const agencyKindName = (k: Agency['kind']) =>
  ({ commune: t('kindCommune'), provincial: t('kindProvincial'), utility: t('kindUtility'), operations_centre: t('kindOpsCentre') })[k];
const deadlineClassName = (d: Category['deadline_class']) => (d === 'urgent' ? t('deadlineUrgent') : t('deadlineNormal'));
