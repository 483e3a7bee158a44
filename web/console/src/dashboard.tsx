// The operations centre's dashboard: open and overdue tickets per agency (from every agency's queue),
// the share resolved on time over the last 30 days (public statistics) and a map of open tickets.
import { useEffect, useRef, useState } from 'preact/hooks';
import { client, describe, type Schemas } from './api';
import { agencyName, type Catalogue } from './catalogue';
import { t } from './i18n';
import { openTicketsMap } from './map';
import { REFRESH_MS } from './queue';

type Row = { agency: string; open: number; overdue: number };
type Summary = { rows: Row[]; perCommune: Map<string, number>; onTime: Map<string, number | undefined> };

const day = (d: Date) => d.toISOString().slice(0, 10);

async function summarise(): Promise<Summary> {
  const tickets: Schemas['TicketSummary'][] = [];
  for (let cursor: string | undefined; ;) {
    const { data, error } = await client.GET('/v1/tickets', { params: { query: { limit: 200, cursor } } });
    if (!data) throw new Error(describe(error));
    tickets.push(...data.items);
    if (!data.next_cursor) break;
    cursor = data.next_cursor;
  }
  const rows = new Map<string, Row>();
  const perCommune = new Map<string, number>();
  for (const x of tickets) {
    const id = x.agency_id ?? '';
    const row = rows.get(id) ?? { agency: id, open: 0, overdue: 0 };
    row.open++;
    if (x.overdue) row.overdue++;
    rows.set(id, row);
    if (x.commune_code) perCommune.set(x.commune_code, (perCommune.get(x.commune_code) ?? 0) + 1);
  }
  const to = new Date();
  const from = new Date(to.getTime() - 29 * 86400_000);
  const stats = await client.GET('/v1/public/stats', { params: { query: { from: day(from), to: day(to), by: 'agency' } } });
  const rowsOnTime = typeof stats.data === 'object' ? stats.data.items : [];
  const onTime = new Map(rowsOnTime.map((s) => [s.key, s.on_time_share] as const));
  return { rows: [...rows.values()].sort((a, b) => b.overdue - a.overdue || b.open - a.open), perCommune, onTime };
}

export function DashboardView(props: { catalogue: Catalogue }) {
  const [summary, setSummary] = useState<Summary | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    const run = () => summarise().then((s) => live && setSummary(s), (e: Error) => live && setError(e.message));
    run();
    const timer = setInterval(run, REFRESH_MS * 3);
    return () => { live = false; clearInterval(timer); };
  }, []);
  if (error) return <p role="alert" class="error">{error}</p>;
  if (!summary) return <p aria-busy="true">{t('loading')}</p>;
  const pct = (x: number | undefined) => (x === undefined ? '—' : `${Math.round(x * 100)}%`);
  const total = summary.rows.reduce((a, r) => ({ open: a.open + r.open, overdue: a.overdue + r.overdue }), { open: 0, overdue: 0 });
  return (
    <section aria-labelledby="dash-title" data-testid="dashboard">
      <h2 id="dash-title">{t('dashboard')}</h2>
      <div class="grid">
        <section class="card">
          <h3>{t('openPerAgency')}</h3>
          <table>
            <thead><tr><th scope="col">{t('agency')}</th><th scope="col">{t('open')}</th><th scope="col">{t('overdue')}</th><th scope="col">{t('onTime30')}</th></tr></thead>
            <tbody>
              {summary.rows.map((r) => (
                <tr data-testid="agency-row" data-agency={r.agency} data-open={r.open} data-overdue={r.overdue}>
                  <th scope="row">{agencyName(props.catalogue, r.agency)}</th><td>{r.open}</td>
                  <td class={r.overdue ? 'late' : ''}>{r.overdue}</td><td>{pct(summary.onTime.get(r.agency))}</td>
                </tr>
              ))}
            </tbody>
            <tfoot><tr><th scope="row">{t('total')}</th><td>{total.open}</td><td>{total.overdue}</td><td /></tr></tfoot>
          </table>
        </section>
        <section class="card">
          <h3>{t('mapOpenTickets')}</h3>
          <OpenMap catalogue={props.catalogue} perCommune={summary.perCommune} />
        </section>
      </div>
    </section>
  );
}

function OpenMap(props: { catalogue: Catalogue; perCommune: Map<string, number> }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => (el.current ? openTicketsMap(el.current, props.catalogue.boundaries, props.perCommune) : undefined), [props.perCommune, props.catalogue.boundaries]);
  return <div ref={el} class="map tall" role="img" aria-label={t('mapOpenTickets')} data-testid="open-map" />;
}
