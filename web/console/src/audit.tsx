// The audit trail (listAuditEntries): every staff action, newest first — who, when, what, with what
// answer, from which address. Filters: the actor, the agency (admins), a time range; older pages follow
// the API's cursor. Accounts disabled since are still named, and marked.
import { useEffect, useState } from 'preact/hooks';
import { client, describe, type Profile, type Schemas } from './api';
import { agencyName, type Catalogue } from './catalogue';
import { need, useLoad } from './forms';
import { actionName, formatTime, operationName, roleName, t } from './i18n';

type Entry = Schemas['AuditEntry'];
type Filter = { actor: string; agency: string; from: string; to: string; limit: number };
const sizes = [25, 50, 100, 200];

// instant turns a datetime-local value (the browser's time zone) into the API's date-time.
const instant = (v: string) => (v ? new Date(v).toISOString() : undefined);

export function AuditView(props: { user: Profile; catalogue: Catalogue }) {
  const cat = props.catalogue;
  const admin = props.user.role === 'admin';
  const [staff] = useLoad(async () => need(await client.GET('/v1/staff')).items);
  const [draft, setDraft] = useState<Filter>({ actor: '', agency: '', from: '', to: '', limit: 50 });
  const [applied, setApplied] = useState<Filter>(draft);
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [shown, setShown] = useState<Filter | null>(null); // the filter the entries shown answer
  const [next, setNext] = useState<string | undefined>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const load = async (f: Filter, cursor?: string) => {
    setBusy(true);
    const r = await client.GET('/v1/admin/audit', { params: { query: { actor_id: f.actor || undefined, agency_id: f.agency || undefined,
      from: instant(f.from), to: instant(f.to), limit: f.limit, cursor } } });
    setBusy(false);
    if (!r.data) { setError(describe(r.error)); return; }
    setError('');
    const page = r.data;
    setEntries((old) => (cursor ? [...(old ?? []), ...page.items] : page.items));
    setShown(f);
    setNext(page.next_cursor);
  };
  useEffect(() => { load(applied); }, [applied]);

  const who = new Map((staff ?? []).map((s) => [s.id, s] as const));
  const set = (p: Partial<Filter>) => setDraft({ ...draft, ...p });
  return (
    <section aria-labelledby="audit-title" data-testid="audit">
      <h2 id="audit-title">{t('auditTrail')}</h2>
      <form class="filters" aria-label={t('filters')} onSubmit={(e) => { e.preventDefault(); setApplied({ ...draft }); }}>
        <label>{t('actor')}
          <select data-testid="audit-actor" value={draft.actor} onChange={(e) => set({ actor: e.currentTarget.value })}>
            <option value="">{t('all')}</option>
            {(staff ?? []).map((s) => <option value={s.id}>{s.username}{s.disabled ? ` (${t('disabled')})` : ''}</option>)}
          </select>
        </label>
        {admin && (
          <label>{t('agency')}
            <select data-testid="audit-agency" value={draft.agency} onChange={(e) => set({ agency: e.currentTarget.value })}>
              <option value="">{t('all')}</option>
              {cat.agencies.map((a) => <option value={a.id}>{agencyName(cat, a.id)}</option>)}
            </select>
          </label>
        )}
        <label>{t('fromTime')}<input type="datetime-local" data-testid="audit-from" value={draft.from} onInput={(e) => set({ from: e.currentTarget.value })} /></label>
        <label>{t('toTime')}<input type="datetime-local" data-testid="audit-to" value={draft.to} onInput={(e) => set({ to: e.currentTarget.value })} /></label>
        <label>{t('perPage')}
          <select value={draft.limit} onChange={(e) => set({ limit: Number(e.currentTarget.value) })}>
            {sizes.map((n) => <option value={n}>{n}</option>)}
          </select>
        </label>
        <button type="submit" data-testid="audit-apply" disabled={busy}>{t('show')}</button>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      {entries?.length === 0 && <p>{t('noEntries')}</p>}
      <div class="scroll">
        <table data-testid="audit-table" data-count={entries?.length ?? -1} data-actor-filter={shown?.actor ?? ''} aria-busy={busy}>
          <caption class="sr">{t('auditTrail')}</caption>
          <thead><tr><th scope="col">{t('when')}</th><th scope="col">{t('who')}</th><th scope="col">{t('what')}</th>
            <th scope="col">{t('result')}</th><th scope="col">{t('fromAddress')}</th></tr></thead>
          <tbody>
            {(entries ?? []).map((e) => {
              const s = who.get(e.actor_id);
              return (
                <tr data-testid="audit-row" data-actor={e.actor_id} data-operation={e.operation} data-action={e.action ?? ''}
                  data-target={e.target_id ?? ''} data-address={e.address} data-status={e.status}>
                  <td><time dateTime={e.at}>{formatTime(e.at)}</time></td>
                  <th scope="row">{s?.username ?? e.actor_id}{s?.disabled && <span class="tag urgent">{t('disabled')}</span>}
                    <br /><small>{roleName(e.actor_role)}{e.agency_id ? ` · ${agencyName(cat, e.agency_id)}` : ''}</small></th>
                  <td><b>{operationName(e.operation)}{e.action ? `: ${actionName(e.action)}` : ''}</b>
                    <br /><small><code>{e.operation} · {e.method} {e.path}</code></small></td>
                  <td class={e.status >= 400 ? 'late' : ''}>{e.status}</td>
                  <td><code>{e.address}</code></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {next && <button type="button" data-testid="audit-older" disabled={busy} onClick={() => load(applied, next)}>{t('olderEntries')}</button>}
    </section>
  );
}
