// Bulk actions on the queue's selection: accept, assign (to an officer of the agency) or transfer (to another
// agency) through POST /v1/tickets/bulk-actions, each ticket sent with the version the queue showed; the
// answer says, ticket by ticket, which succeeded and which did not and why.
import { useEffect, useState } from 'preact/hooks';
import { client, describe, type Profile, type Schemas } from './api';
import { agencyName, type Catalogue } from './catalogue';
import { actionName, statusName, t } from './i18n';

type BulkAction = Schemas['TicketBulkAction']['action'];
export type Selection = Map<string, { code: string; version: number }>;

// bulkActionsFor: what a role may do to a selection (administrators read tickets but do not act on them;
// dispatchers work across agencies, so they accept and transfer but do not assign).
export function bulkActionsFor(u: Profile): BulkAction[] {
  switch (u.role) {
    case 'officer': case 'agency_admin': return ['accept', 'assign', 'transfer'];
    case 'dispatcher': return ['accept', 'transfer'];
    default: return [];
  }
}

type Outcome = { result: Schemas['TicketBulkResult']; codes: Map<string, string> };

export function BulkBar(props: { user: Profile; catalogue: Catalogue; selection: Selection; onClear: () => void; onDone: () => void }) {
  const actions = bulkActionsFor(props.user);
  const [action, setAction] = useState<BulkAction>(actions[0] ?? 'accept');
  const [assignee, setAssignee] = useState('');
  const [agency, setAgency] = useState('');
  const [note, setNote] = useState('');
  const [staff, setStaff] = useState<Schemas['Staff'][]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  useEffect(() => {
    if (!actions.includes('assign')) return;
    client.GET('/v1/staff').then(({ data }) => data && setStaff(data.items.filter((s) =>
      !s.disabled && s.agency_id === props.user.agency_id && (s.role === 'officer' || s.role === 'agency_admin'))), () => {});
  }, [props.user.id]);
  const n = props.selection.size;
  if (actions.length === 0 || (n === 0 && !outcome)) return null;

  const send = async (e: Event) => {
    e.preventDefault();
    const codes = new Map([...props.selection].map(([id, s]) => [id, s.code]));
    const body: Schemas['TicketBulkAction'] = { action, tickets: [...props.selection].map(([id, s]) => ({ id, version: s.version })) };
    if (note.trim()) body.note = note.trim();
    if (action === 'assign') body.assignee_id = assignee;
    if (action === 'transfer') body.to_agency = agency;
    setBusy(true);
    setError('');
    const { data, error } = await client.POST('/v1/tickets/bulk-actions', { body });
    setBusy(false);
    if (!data) { setError(describe(error)); return; }
    setOutcome({ result: data, codes });
    setNote('');
    props.onClear();
    props.onDone();
  };
  const why = (p: Schemas['Problem'] | undefined) =>
    p?.status === 412 ? t('bulkStale') : t('bulkFailed', { detail: describe(p) });

  return (
    <section class="card bulk" aria-labelledby="bulk-title">
      <h3 id="bulk-title">{t('bulkTitle')}</h3>
      {n > 0 && (
        <form class="actions" data-testid="bulk" data-selected={n} onSubmit={send}>
          <p role="status">{t('bulkSelected', { n })}</p>
          <label>{t('bulkAction')}
            <select data-testid="bulk-action" value={action} onChange={(e) => setAction(e.currentTarget.value as BulkAction)}>
              {actions.map((a) => <option value={a}>{actionName(a)}</option>)}
            </select>
          </label>
          {action === 'assign' && (
            <label>{t('bulkAssignee')}
              <select data-testid="bulk-assignee" value={assignee} required onChange={(e) => setAssignee(e.currentTarget.value)}>
                <option value="" disabled>—</option>
                {staff.map((s) => <option value={s.id}>{s.display_name ?? s.username}{s.id === props.user.id ? ' ✓' : ''}</option>)}
              </select>
            </label>
          )}
          {action === 'transfer' && (
            <label>{t('toAgency')}
              <select data-testid="bulk-agency" value={agency} required onChange={(e) => setAgency(e.currentTarget.value)}>
                <option value="" disabled>—</option>
                {props.catalogue.agencies.filter((a) => a.id !== props.user.agency_id)
                  .map((a) => <option value={a.id}>{agencyName(props.catalogue, a.id)}</option>)}
              </select>
            </label>
          )}
          <label>{action === 'transfer' ? t('bulkNoteTransfer') : t('bulkNote')}
            <input data-testid="bulk-note" value={note} maxLength={4000} required={action === 'transfer'}
              onInput={(e) => setNote(e.currentTarget.value)} />
          </label>
          <button type="submit" data-testid="bulk-send" disabled={busy}>{t('bulkSend', { n })}</button>
          <button type="button" data-testid="bulk-clear" onClick={props.onClear}>{t('bulkClear')}</button>
        </form>
      )}
      {error && <p role="alert" class="error">{error}</p>}
      {outcome && (
        <div role="status" data-testid="bulk-result" data-succeeded={outcome.result.succeeded} data-failed={outcome.result.failed}>
          <p><b>{t('bulkResult', { ok: outcome.result.succeeded, failed: outcome.result.failed })}</b></p>
          <ul>
            {outcome.result.results.map((r) => (
              <li data-testid="bulk-item" data-id={r.id} data-ok={String(r.ok)} data-problem={r.problem?.status} class={r.ok ? '' : 'late'}>
                <a href={`#/tickets/${r.id}`}>{outcome.codes.get(r.id) ?? r.id}</a>{': '}
                {r.ok ? t('bulkOk', { status: r.status ? statusName(r.status) : '' }) : why(r.problem)}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
