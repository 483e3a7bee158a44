// The queue: the agency's tickets (every agency's for dispatchers and admins, overdue ones first),
// filtered, sorted by deadline, with counts per status; it refreshes itself every REFRESH_MS.
import { useEffect, useState } from 'preact/hooks';
import { client, describe, type Profile, type Schemas } from './api';
import { agencyName, categoryName, communeName, communes, type Catalogue } from './catalogue';
import { formatTime, lang, left, statusName, t } from './i18n';

export const REFRESH_MS = 10_000;
const PAGE = 50;

type Status = Schemas['ReportStatus'];
type Query = { status?: Status; category?: string; commune?: string; overdue?: boolean };
const statuses: Status[] = ['received', 'accepted', 'in_progress', 'info_requested', 'reopened', 'resolved'];

export function QueueView(props: { user: Profile; catalogue: Catalogue }) {
  const supervisor = props.user.role === 'dispatcher' || props.user.role === 'admin';
  const [query, setQuery] = useState<Query>({});
  const set = (q: Partial<Query>) => setQuery({ ...query, ...q });
  const cat = props.catalogue;
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
      {supervisor && !query.overdue && (
        <TicketList title={t('escalations')} testid="escalations" query={{ ...query, overdue: true }} user={props.user} catalogue={cat} />
      )}
      <TicketList title={supervisor && !query.overdue ? t('otherTickets') : t('tickets')} testid="queue" query={query}
        user={props.user} catalogue={cat} onStatus={(s) => set({ status: s })} showCounts skipOverdue={supervisor && !query.overdue} />
    </section>
  );
}

function TicketList(props: {
  title: string; testid: string; query: Query; user: Profile; catalogue: Catalogue;
  showCounts?: boolean; skipOverdue?: boolean; onStatus?: (s: Status | undefined) => void;
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
  }, [key, limit]);

  const cat = props.catalogue;
  const supervisor = props.user.role === 'dispatcher' || props.user.role === 'admin';
  const items = (page?.items ?? []).filter((x) => !props.skipOverdue || !x.overdue);
  const now = Date.now();
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
            <th scope="col">{t('code')}</th><th scope="col">{t('category')}</th><th scope="col">{t('commune')}</th>
            {supervisor && <th scope="col">{t('agency')}</th>}
            <th scope="col">{t('status')}</th><th scope="col">{t('deadline')}</th>
          </tr></thead>
          <tbody>
            {items.map((x) => {
              const due = x.status === 'received' ? x.accept_by : x.resolve_by;
              return (
                <tr data-testid="ticket-row" data-code={x.code} data-id={x.id} data-status={x.status} class={x.overdue ? 'overdue' : ''}>
                  <th scope="row"><a href={`#/tickets/${x.id}`}>{x.code}</a>{x.urgent && <span class="tag urgent">{t('urgent')}</span>}</th>
                  <td>{categoryName(cat, x.category)}</td>
                  <td>{communeName(cat, x.commune_code)}</td>
                  {supervisor && <td>{agencyName(cat, x.agency_id)}</td>}
                  <td>{statusName(x.status)}</td>
                  <td>{formatTime(due)} <small class={x.overdue ? 'late' : ''}>{left(due, now)}</small></td>
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
