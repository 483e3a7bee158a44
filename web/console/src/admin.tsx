// Administration, as far as the API offers it: staff accounts (create, disable, enable), routing
// overrides (add, remove), a year's public holidays (remove a day, with If-Match) and notifications
// parked after failing (send again). Agencies and categories are edited in catalogue-admin.tsx.
import { useEffect, useState } from 'preact/hooks';
import { client, describe, type Profile, type Schemas } from './api';
import { agencyName, categoryName, type Catalogue } from './catalogue';
import { need, useLoad } from './forms';
import { formatTime, lang, roleName, t } from './i18n';

export function AdminView(props: { user: Profile; catalogue: Catalogue }) {
  const full = props.user.role === 'admin';
  return (
    <section aria-labelledby="admin-title" data-testid="admin">
      <h2 id="admin-title">{t('admin')}</h2>
      <StaffAdmin user={props.user} catalogue={props.catalogue} />
      {full && <Overrides catalogue={props.catalogue} />}
      {full && <Holidays />}
      {full && <FailedNotifications />}
    </section>
  );
}

function StaffAdmin(props: { user: Profile; catalogue: Catalogue }) {
  const [list, err, reload] = useLoad(async () => need(await client.GET('/v1/staff')).items);
  const [msg, setMsg] = useState('');
  const [form, setForm] = useState<Schemas['StaffCreate']>({ username: '', password: '', role: 'officer' });
  const toggle = async (s: Schemas['Staff']) => {
    const r = await client.PATCH('/v1/staff/{id}', { params: { path: { id: s.id } }, body: { disabled: !s.disabled } });
    setMsg(r.data ? t('saved') : describe(r.error));
    reload();
  };
  const create = async (e: Event) => {
    e.preventDefault();
    const body = { ...form, agency_id: form.agency_id || props.user.agency_id };
    if (!body.agency_id) delete body.agency_id;
    const r = await client.POST('/v1/staff', { body });
    setMsg(r.data ? t('saved') : describe(r.error));
    if (r.data) reload();
  };
  const roles: Schemas['StaffCreate']['role'][] = props.user.role === 'admin' ? ['officer', 'agency_admin', 'dispatcher', 'admin'] : ['officer'];
  return (
    <section class="card" aria-labelledby="staff-title" data-testid="staff-admin">
      <h3 id="staff-title">{t('staff')}</h3>
      {err && <p role="alert" class="error">{err}</p>}
      {msg && <p role="status">{msg}</p>}
      <table>
        <thead><tr><th scope="col">{t('username')}</th><th scope="col">{t('displayName')}</th><th scope="col">{t('role')}</th>
          <th scope="col">{t('agency')}</th><th scope="col">{t('status')}</th><th scope="col"><span class="sr">{t('actions')}</span></th></tr></thead>
        <tbody>
          {(list ?? []).map((s) => (
            <tr data-testid="staff-row" data-username={s.username} data-disabled={String(s.disabled)}>
              <th scope="row">{s.username}</th><td>{s.display_name}</td><td>{roleName(s.role)}</td>
              <td>{agencyName(props.catalogue, s.agency_id)}</td><td>{s.disabled ? t('disabled') : t('active')}</td>
              <td>{s.id !== props.user.id && (
                <button type="button" data-testid="toggle-staff" aria-label={`${s.disabled ? t('enable') : t('disable')} ${s.username}`}
                  onClick={() => toggle(s)}>{s.disabled ? t('enable') : t('disable')}</button>)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="inline" onSubmit={create} aria-label={t('createStaff')}>
        <label>{t('username')}<input required pattern="[a-z0-9][a-z0-9._\-]{2,63}" value={form.username} onInput={(e) => setForm({ ...form, username: e.currentTarget.value })} /></label>
        <label>{t('password')}<input required type="password" minLength={10} autocomplete="new-password" value={form.password} onInput={(e) => setForm({ ...form, password: e.currentTarget.value })} /></label>
        <label>{t('role')}<select value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value as Schemas['StaffCreate']['role'] })}>
          {roles.map((r) => <option value={r}>{roleName(r)}</option>)}</select></label>
        {props.user.role === 'admin' && (
          <label>{t('agency')}<select value={form.agency_id ?? ''} onChange={(e) => setForm({ ...form, agency_id: e.currentTarget.value || undefined })}>
            <option value="">—</option>
            {props.catalogue.agencies.map((a) => <option value={a.id}>{agencyName(props.catalogue, a.id)}</option>)}</select></label>
        )}
        <button type="submit">{t('create')}</button>
      </form>
    </section>
  );
}

function Overrides(props: { catalogue: Catalogue }) {
  const cat = props.catalogue;
  const [list, err, reload] = useLoad(async () => need(await client.GET('/v1/admin/routing-overrides')).items);
  const [msg, setMsg] = useState('');
  const [form, setForm] = useState({ category: cat.categories[0]?.code ?? '', commune: '', agency: cat.agencies[0]?.id ?? '' });
  const add = async (e: Event) => {
    e.preventDefault();
    const r = await client.PUT('/v1/admin/routing-overrides/{category}/{commune}', {
      params: { path: { category: form.category, commune: form.commune } }, body: { agency_id: form.agency } });
    setMsg(r.data ? t('saved') : describe(r.error));
    reload();
  };
  const remove = async (o: Schemas['RoutingOverride']) => {
    const r = await client.DELETE('/v1/admin/routing-overrides/{category}/{commune}', { params: { path: { category: o.category, commune: o.commune_code } } });
    setMsg(r.error ? describe(r.error) : t('saved'));
    reload();
  };
  return (
    <section class="card" aria-labelledby="ovr-title">
      <h3 id="ovr-title">{t('routingOverrides')}</h3>
      {err && <p role="alert" class="error">{err}</p>}
      {msg && <p role="status">{msg}</p>}
      {list?.length === 0 && <p>{t('none')}</p>}
      <ul>
        {(list ?? []).map((o) => (
          <li>{categoryName(cat, o.category)} · {o.commune_code} → {agencyName(cat, o.agency_id)}{' '}
            <button type="button" aria-label={`${t('remove')} ${o.category} ${o.commune_code}`} onClick={() => remove(o)}>{t('remove')}</button></li>
        ))}
      </ul>
      <form class="inline" onSubmit={add} aria-label={t('routingOverrides')}>
        <label>{t('category')}<select value={form.category} onChange={(e) => setForm({ ...form, category: e.currentTarget.value })}>
          {cat.categories.map((c) => <option value={c.code}>{categoryName(cat, c.code)}</option>)}</select></label>
        <label>{t('commune')}<input required pattern="[0-9]{5}" value={form.commune} onInput={(e) => setForm({ ...form, commune: e.currentTarget.value })} /></label>
        <label>{t('agency')}<select value={form.agency} onChange={(e) => setForm({ ...form, agency: e.currentTarget.value })}>
          {cat.agencies.map((a) => <option value={a.id}>{agencyName(cat, a.id)}</option>)}</select></label>
        <button type="submit">{t('add')}</button>
      </form>
    </section>
  );
}

function Holidays() {
  const [year, setYear] = useState(new Date().getFullYear());
  const [msg, setMsg] = useState('');
  const [data, err, reload] = useLoad(async () => {
    const r = await client.GET('/v1/admin/holidays/{year}', { params: { path: { year } } });
    return { year: need(r), etag: r.response.headers.get('ETag') ?? '' };
  });
  useEffect(reload, [year]);
  const remove = async (date: string) => {
    if (!data) return;
    const r = await client.DELETE('/v1/admin/holidays/{year}/days/{date}', { params: { path: { year, date }, header: { 'If-Match': data.etag } } });
    setMsg(r.data ? t('saved') : describe(r.error));
    reload();
  };
  return (
    <section class="card" aria-labelledby="hol-title">
      <h3 id="hol-title">{t('holidays')}</h3>
      <label>{t('year')}<input type="number" min={2000} max={2100} value={year} onChange={(e) => setYear(Number(e.currentTarget.value))} /></label>
      {err && <p role="alert" class="error">{err}</p>}
      {msg && <p role="status">{msg}</p>}
      <ul>
        {(data?.year.days ?? []).map((d) => (
          <li>{d.date} · {d.kind} · {lang() === 'en' ? d.name_en : d.name_vi}{' '}
            <button type="button" aria-label={`${t('remove')} ${d.date}`} onClick={() => remove(d.date)}>{t('remove')}</button></li>
        ))}
      </ul>
    </section>
  );
}

function FailedNotifications() {
  const [list, err, reload] = useLoad(async () => need(await client.GET('/v1/admin/notifications/failed')).items);
  const [msg, setMsg] = useState('');
  const retry = async (id: string) => {
    const r = await client.POST('/v1/admin/notifications/{id}/retry', { params: { path: { id } } });
    setMsg(r.error ? describe(r.error) : t('queued'));
    reload();
  };
  return (
    <section class="card" aria-labelledby="failed-title">
      <h3 id="failed-title">{t('failedNotifications')}</h3>
      {err && <p role="alert" class="error">{err}</p>}
      {msg && <p role="status">{msg}</p>}
      {list?.length === 0 && <p>{t('none')}</p>}
      <ul>
        {(list ?? []).map((n) => (
          <li>{n.id} · {formatTime(n.created_at)} · {t('attempts')}: {n.attempts} · {t('lastError')}: {n.last_error}{' '}
            <button type="button" aria-label={`${t('resend')} ${n.id}`} onClick={() => retry(n.id)}>{t('resend')}</button></li>
        ))}
      </ul>
    </section>
  );
}
