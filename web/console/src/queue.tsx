// The queue: the agency's tickets (every agency's for dispatchers and admins, overdue ones first),
// filtered, sorted by deadline, with the working time left and counts per status; it refreshes itself every
// REFRESH_MS. Tickets can be selected for a bulk action (bulk.tsx).
import { useEffect, useState } from 'preact/hooks';
import { client, describe, type Profile, type Schemas } from './api';
import { agencyName, categoryName, communeName, communes, type Catalogue } from './catalogue';
import { formatTime, lang, statusName, t, workingLeft } from './i18n';
import { BulkBar, bulkActionsFor, type Selection } from './bulk';

export const REFRESH_MS = 10_000;
const PAGE = 50;

type Status = Schemas['ReportStatus'];
type Query = { status?: Status; category?: string; commune?: string; overdue?: boolean };
const statuses: Status[] = ['received', 'accepted', 'in_progress', 'info_requested', 'reopened', 'resolved'];

export function QueueView(props: { user: Profile; catalogue: Catalogue }) {
  const supervisor = props.user.role === 'dispatcher' || props.user.role === 'admin';
  const [query, setQuery] = useState<Query>({});
  const [selection, setSelection] = useState<Selection>(new Map());
  const [reload, setReload] = useState(0);
  const set = (q: Partial<Query>) => setQuery({ ...query, ...q });
  const cat = props.catalogue;
  const sel = bulkActionsFor(props.user).length > 0 ? { selection, onSelect: setSelection, reload } : undefined;
  return (
    <section aria-labelledby="queue-title">
      <h2 id="queue-title">{t('queue')}</h2>
      <form class="filters" aria-label={t('filters')} onSubmit={(e) => e.preventDefault()}>
        <label>{t('status')}
          <select data-testid="filter-status" value={query.status ?? ''} onChange={(e) => set({ status: (e.currentTarget.value || undefined) as Status | undefined })}>
            <option value="">{t('all')}</option>
            {statuses.map((s) => <option value={s}>{statusName(s)}</option>)}
          </select>
        </label>
        <label>{t('category')}
          <select data-testid="filter-category" value={query.category ?? ''} onChange={(e) => set({ category: e.currentTarget.value || undefined })}>
            <option value="">{t('all')}</option>
            {cat.categories.map((c) => <option value={c.code}>{categoryName(cat, c.code)}</option>)}
          </select>
        </label>
        <label>{t('commune')}
          <select data-testid="filter-commune" value={query.commune ?? ''} onChange={(e) => set({ commune: e.currentTarget.value || undefined })}>
            <option value="">{t('all')}</option>
            {communes(cat).map((c) => <option value={c.code}>{c.name}</option>)}
          </select>
        </label>
        <label class="check"><input type="checkbox" data-testid="filter-overdue" checked={!!query.overdue}
          onChange={(e) => set({ overdue: e.currentTarget.checked || undefined })} />{t('overdueOnly')}</label>
      </form>
      <BulkBar user={props.user} catalogue={cat} selection={selection} onClear={() => setSelection(new Map())} onDone={() => setReload((n) => n + 1)} />
      {supervisor && !query.overdue && (
        <TicketList title={t('escalations')} testid="escalations" query={{ ...query, overdue: true }} user={props.user} catalogue={cat} sel={sel} />
      )}
      <TicketList title={supervisor && !query.overdue ? t('otherTickets') : t('tickets')} testid="queue" query={query}
        user={props.user} catalogue={cat} onStatus={(s) => set({ status: s })} showCounts skipOverdue={supervisor && !query.overdue} sel={sel} />
    </section>
  );
}

function TicketList(props: {
  title: string; testid: string; query: Query; user: Profile; catalogue: Catalogue;
  showCounts?: boolean; skipOverdue?: boolean; onStatus?: (s: Status | undefined) => void;
  sel?: { selection: Selection; onSelect: (s: Selection) => void; reload: number };
}) {
  const [page, setPage] = useState<Schemas['TicketPage'] | null>(null);
  const [limit, setLimit] = useState(PAGE);
  const [error, setError] = useState('');
  const [at, setAt] = useState(0);
  const key = JSON.stringify(props.query);
  useEffect(() => {
    let live = true;
    const load = async () => {
      const { data, error } = await client.GET('/v1/tickets', { params: { query: { ...props.query, sort: 'deadline', limit } } });
      if (!live) return;
      if (data) { setPage(data); setError(''); setAt(Date.now()); } else setError(describe(error));
    };
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => { live = false; clearInterval(timer); };
  }, [key, limit, props.sel?.reload]);

  const cat = props.catalogue;
  const supervisor = props.user.role === 'dispatcher' || props.user.role === 'admin';
  const items = (page?.items ?? []).filter((x) => !props.skipOverdue || !x.overdue);
  const sel = props.sel;
  const toggle = (list: Schemas['TicketSummary'][], on: boolean) => {
    if (!sel) return;
    const next = new Map(sel.selection);
    for (const x of list) {
      if (on) next.set(x.id, { code: x.code, version: x.version ?? 0 }); else next.delete(x.id);
    }
    sel.onSelect(next);
  };
  const allOn = items.length > 0 && items.every((x) => sel?.selection.has(x.id));
  return (
    <section class="list" data-testid={props.testid} data-refreshed-at={at || undefined} aria-busy={!page}>
      <h3>{props.title}{at > 0 && <small> · {t('refreshedAt', { time: new Date(at).toLocaleTimeString(lang() === 'en' ? 'en-GB' : 'vi-VN') })}</small>}</h3>
      {props.showCounts && page && (
        <div class="counts" role="group" aria-label={t('countsPerStatus')}>
          <button type="button" aria-pressed={!props.query.status} onClick={() => props.onStatus?.(undefined)}>
            {t('all')} <b>{Object.values(page.counts).reduce((a, b) => a + b, 0)}</b>
          </button>
          {statuses.map((s) => (
            <button type="button" data-testid={`count-${s}`} data-count={page.counts[s] ?? 0} aria-pressed={props.query.status === s}
              onClick={() => props.onStatus?.(s)}>{statusName(s)} <b>{page.counts[s] ?? 0}</b></button>
          ))}
        </div>
      )}
      {error && <p role="alert" class="error">{error}</p>}
      {page && items.length === 0 && <p>{t('noTickets')}</p>}
      {items.length > 0 && (
        <table>
          <thead><tr>
            {sel && <th scope="col"><input type="checkbox" data-testid="select-all" aria-label={t('selectAll')} checked={allOn}
              onChange={(e) => toggle(items, e.currentTarget.checked)} /></th>}
            <th scope="col">{t('code')}</th><th scope="col">{t('category')}</th><th scope="col">{t('commune')}</th>
            {supervisor && <th scope="col">{t('agency')}</th>}
            <th scope="col">{t('status')}</th><th scope="col">{t('deadline')}</th><th scope="col">{t('timeLeftCol')}</th>
          </tr></thead>
          <tbody>
            {items.map((x) => {
              const due = x.status === 'received' ? x.accept_by : x.resolve_by;
              return (
                <tr data-testid="ticket-row" data-code={x.code} data-id={x.id} data-status={x.status} data-version={x.version}
                  class={x.overdue ? 'overdue' : ''}>
                  {sel && <td><input type="checkbox" data-testid="select-ticket" aria-label={t('selectTicket', { code: x.code })}
                    checked={sel.selection.has(x.id)} onChange={(e) => toggle([x], e.currentTarget.checked)} /></td>}
                  <th scope="row"><a href={`#/tickets/${x.id}`}>{x.code}</a>{x.urgent && <span class="tag urgent">{t('urgent')}</span>}</th>
                  <td>{categoryName(cat, x.category)}</td>
                  <td>{communeName(cat, x.commune_code)}</td>
                  {supervisor && <td>{agencyName(cat, x.agency_id)}</td>}
                  <td>{statusName(x.status)}</td>
                  <td>{formatTime(due)}</td>
                  <td data-testid="time-left" data-minutes={x.working_minutes_left} class={x.overdue ? 'late' : ''}>
                    {x.working_minutes_left !== undefined ? workingLeft(x.working_minutes_left, x.overdue)
                      : x.status === 'info_requested' ? t('wPaused') : '—'}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {page?.next_cursor && limit < 200 && <button type="button" onClick={() => setLimit(Math.min(200, limit + PAGE))}>{t('more')}</button>}
    </section>
  );
}
