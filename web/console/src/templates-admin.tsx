// Reply templates, bilingual, per agency and category: agency admins manage their own agency's, admins
// any agency's. Officers insert them into replies on a ticket. Changes send the template's ETag in
// If-Match; a 412 reloads the list and says that someone else changed it.
import { useEffect, useState } from 'preact/hooks';
import { client, describe, type Profile, type Schemas } from './api';
import { agencyName, categoryName, type Catalogue } from './catalogue';
import { checked, Field, FormProblem, need, refuse, unchecked, useLoad, without, type Checked } from './forms';
import { formatTime, lang, t } from './i18n';

type Template = Schemas['ReplyTemplate'];
type Draft = Schemas['ReplyTemplateInput'];
const fields = ['agency_id', 'category', 'title_vi', 'title_en', 'body_vi', 'body_en'] as const;
const blank: Draft = { title_vi: '', title_en: '', body_vi: '', body_en: '' };

export function TemplatesView(props: { user: Profile; catalogue: Catalogue }) {
  const cat = props.catalogue;
  const admin = props.user.role === 'admin';
  const [agency, setAgency] = useState(props.user.agency_id ?? cat.agencies[0]?.id ?? '');
  const [category, setCategory] = useState('');
  const [editing, setEditing] = useState<{ id?: string; etag?: string; draft: Draft } | null>(null);
  const [errors, setErrors] = useState<Checked>(unchecked);
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [confirming, setConfirming] = useState('');
  const [list, err, reload] = useLoad(async () => need(await client.GET('/v1/reply-templates', {
    params: { query: { agency_id: admin ? agency : undefined, category: category || undefined } } })).items, [agency, category]);

  const edit = async (x: Template | null) => {
    setErrors(unchecked);
    setNotice(null);
    if (!x) { setEditing({ draft: { ...blank, category: category || undefined } }); return; }
    // The ETag comes from the template itself, read now: the change is checked against what is shown.
    const r = await client.GET('/v1/reply-templates/{id}', { params: { path: { id: x.id } } });
    if (!r.data) { setNotice({ kind: 'error', text: describe(r.error) }); reload(); return; }
    const d = r.data;
    setEditing({ id: d.id, etag: r.response.headers.get('ETag') ?? '', draft: { category: d.category, title_vi: d.title_vi,
      title_en: d.title_en, body_vi: d.body_vi, body_en: d.body_en } });
  };
  useEffect(() => { if (editing) document.getElementById('tpl-title_vi')?.focus(); }, [editing?.id, !!editing]);
  const set = (p: Partial<Draft>) => {
    if (editing) setEditing({ ...editing, draft: { ...editing.draft, ...p } });
    setErrors((e) => without(e, Object.keys(p)));
  };
  const save = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    if (!editing) return;
    const body: Draft = { ...editing.draft };
    if (!body.category) delete body.category;
    const r = editing.id
      ? await client.PUT('/v1/reply-templates/{id}', { params: { path: { id: editing.id }, header: { 'If-Match': editing.etag ?? '' } }, body })
      : await client.POST('/v1/reply-templates', { body: admin ? { ...body, agency_id: agency } : body });
    if (r.data) {
      setEditing(null);
      setNotice({ kind: 'ok', text: t('savedItem', { name: lang() === 'en' ? r.data.title_en : r.data.title_vi }) });
      reload();
      return;
    }
    if (r.response.status === 412) {
      setEditing(null);
      setNotice({ kind: 'error', text: t('templateChanged') });
      reload();
      return;
    }
    refuse(form, checked(r.error, fields), setErrors);
  };
  const remove = async (x: Template) => {
    setConfirming('');
    const r = await client.DELETE('/v1/reply-templates/{id}', { params: { path: { id: x.id } } });
    setNotice(r.error ? { kind: 'error', text: describe(r.error) } : { kind: 'ok', text: t('removedItem', { name: lang() === 'en' ? x.title_en : x.title_vi }) });
    reload();
  };

  return (
    <section aria-labelledby="tpl-title" data-testid="templates">
      <h2 id="tpl-title">{t('replyTemplates')}</h2>
      <form class="filters" aria-label={t('filters')} onSubmit={(e) => e.preventDefault()}>
        {admin ? (
          <label>{t('agency')}
            <select data-testid="tpl-agency" value={agency} onChange={(e) => { setAgency(e.currentTarget.value); setEditing(null); }}>
              {cat.agencies.map((a) => <option value={a.id}>{agencyName(cat, a.id)}</option>)}
            </select>
          </label>
        ) : <p>{t('agency')}: <b>{agencyName(cat, agency)}</b></p>}
        <label>{t('category')}
          <select data-testid="tpl-category" value={category} onChange={(e) => setCategory(e.currentTarget.value)}>
            <option value="">{t('all')}</option>
            {cat.categories.map((c) => <option value={c.code}>{categoryName(cat, c.code)}</option>)}
          </select>
        </label>
        <button type="button" data-testid="new-template" onClick={() => edit(null)}>{t('newTemplate')}</button>
      </form>
      {notice && <div role={notice.kind === 'ok' ? 'status' : 'alert'} class={`notice ${notice.kind}`} data-testid={`tpl-notice-${notice.kind}`}>{notice.text}</div>}
      {editing && (
        <form class="card editor" onSubmit={save} noValidate data-testid="template-form"
          aria-label={editing.id ? t('editItem', { name: editing.draft.title_vi }) : t('newTemplate')}>
          <FormProblem errors={errors} />
          <Field form="tpl" name="category" label={t('category')} errors={errors}>
            {(a) => <select {...a} data-testid="tpl-form-category" value={editing.draft.category ?? ''} onChange={(e) => set({ category: e.currentTarget.value || undefined })}>
              <option value="">{t('everyCategory')}</option>
              {cat.categories.map((c) => <option value={c.code}>{categoryName(cat, c.code)}</option>)}
            </select>}
          </Field>
          <div class="two">
            <Field form="tpl" name="title_vi" label={t('titleVi')} errors={errors}>
              {(a) => <input {...a} lang="vi" required maxLength={120} value={editing.draft.title_vi} onInput={(e) => set({ title_vi: e.currentTarget.value })} />}
            </Field>
            <Field form="tpl" name="title_en" label={t('titleEn')} errors={errors}>
              {(a) => <input {...a} lang="en" required maxLength={120} value={editing.draft.title_en} onInput={(e) => set({ title_en: e.currentTarget.value })} />}
            </Field>
            <Field form="tpl" name="body_vi" label={t('bodyVi')} errors={errors}>
              {(a) => <textarea {...a} lang="vi" required rows={5} maxLength={4000} value={editing.draft.body_vi} onInput={(e) => set({ body_vi: e.currentTarget.value })} />}
            </Field>
            <Field form="tpl" name="body_en" label={t('bodyEn')} errors={errors}>
              {(a) => <textarea {...a} lang="en" required rows={5} maxLength={4000} value={editing.draft.body_en} onInput={(e) => set({ body_en: e.currentTarget.value })} />}
            </Field>
          </div>
          <div class="buttons">
            <button type="submit" data-testid="save-template">{t('save')}</button>
            <button type="button" onClick={() => setEditing(null)}>{t('cancel')}</button>
          </div>
        </form>
      )}
      {err && <p role="alert" class="error">{err}</p>}
      {list?.length === 0 && <p>{t('noTemplates')}</p>}
      <ul class="templates" data-testid="template-list" data-count={list?.length ?? 0}>
        {(list ?? []).map((x) => (
          <li class="card" data-testid="template-row" data-id={x.id} data-title-vi={x.title_vi}>
            <h3>{lang() === 'en' ? x.title_en : x.title_vi}{' '}
              <small>· {x.category ? categoryName(cat, x.category) : t('everyCategory')} · {t('updatedAt', { time: formatTime(x.updated_at) })}</small></h3>
            <div class="two">
              <p lang="vi" class="desc"><b>VI</b> {x.body_vi}</p>
              <p lang="en" class="desc"><b>EN</b> {x.body_en}</p>
            </div>
            <div class="buttons">
              <button type="button" data-testid="edit-template" aria-label={t('editItem', { name: x.title_vi })} onClick={() => edit(x)}>{t('edit')}</button>
              {confirming === x.id ? <>
                <button type="button" class="danger" data-testid="confirm-remove-template" onClick={() => remove(x)}>{t('confirmRemove')}</button>
                <button type="button" onClick={() => setConfirming('')}>{t('cancel')}</button>
              </> : <button type="button" data-testid="remove-template" aria-label={`${t('remove')} ${x.title_vi}`} onClick={() => setConfirming(x.id)}>{t('remove')}</button>}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
