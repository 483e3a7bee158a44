// One ticket: photos, map, deadlines, timeline, the resident's answers, comments (public and internal
// apart) and exactly the actions the server allows. Every action sends the ETag in If-Match; a 412
// reloads the ticket and says what changed.
import { useEffect, useRef, useState } from 'preact/hooks';
import { client, describe, signedInUser, uploadPhoto, type Profile, type Schemas } from './api';
import { agencyName, categoryName, communeName, type Catalogue } from './catalogue';
import { actionName, formatTime, lang, statusName, t, workingLeft } from './i18n';
import { TemplatePicker } from './templates';
import { ticketMap } from './map';

type Ticket = Schemas['Ticket'];
type Entry = Schemas['TimelineEntry'];
type ActionName = Schemas['TicketAction']['action'];
type Loaded = { ticket: Ticket; etag: string };

const answerActions = ['provide_info', 'confirm', 'dispute', 'rate'];
const commentActions = ['comment_public', 'comment_internal'];

async function load(id: string): Promise<Loaded> {
  const { data, error, response } = await client.GET('/v1/tickets/{id}', { params: { path: { id } } });
  if (!data) throw new Error(describe(error));
  return { ticket: data, etag: response.headers.get('ETag') ?? `"${data.version}"` };
}

// whatChanged compares the ticket the officer saw with the one the server has now.
function whatChanged(before: Ticket, after: Ticket): string[] {
  const out: string[] = [];
  if (before.report.status !== after.report.status) {
    out.push(t('staleStatus', { from: statusName(before.report.status), to: statusName(after.report.status) }));
  }
  const added = after.report.timeline.slice(before.report.timeline.length);
  if (added.length) out.push(t('staleEntries', { list: added.map((e) => actionName(e.action)).join(', ') }));
  if (!out.length) out.push(t('staleNothing'));
  return out;
}

export function TicketView(props: { id: string; user: Profile; catalogue: Catalogue }) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState<{ kind: 'ok' | 'stale' | 'error'; lines: string[] } | null>(null);
  useEffect(() => {
    load(props.id).then(setLoaded, (e: Error) => setError(e.message));
  }, [props.id]);
  if (error) return <p role="alert" class="error">{error}</p>;
  if (!loaded) return <p aria-busy="true">{t('loading')}</p>;
  const { ticket } = loaded;
  const r = ticket.report;
  const cat = props.catalogue;
  const before = r.photos.filter((p) => p.kind !== 'after');
  const after = r.photos.filter((p) => p.kind === 'after');
  const answers = r.timeline.filter((e) => answerActions.includes(e.action));
  const comments = (action: string) => r.timeline.filter((e) => e.action === action);
  const late = ticket.overdue_accept || ticket.overdue_resolve;

  const act = async (body: Schemas['TicketAction']) => {
    const { data, error, response } = await client.POST('/v1/tickets/{id}/actions', {
      params: { path: { id: props.id }, header: { 'If-Match': loaded.etag } }, body });
    if (data) {
      setLoaded({ ticket: data, etag: response.headers.get('ETag') ?? `"${data.version}"` });
      setNotice({ kind: 'ok', lines: [t('done', { action: actionName(body.action) })] });
      return true;
    }
    if (response.status === 412 || response.status === 409) {
      const fresh = await load(props.id);
      setLoaded(fresh);
      setNotice(response.status === 412
        ? { kind: 'stale', lines: [t('staleTitle'), ...whatChanged(ticket, fresh.ticket)] }
        : { kind: 'error', lines: [t('notAllowed', { detail: describe(error) })] });
      return false;
    }
    setNotice({ kind: 'error', lines: [describe(error)] });
    return false;
  };

  return (
    <article class="ticket" data-testid="ticket" data-code={r.code} data-status={r.status} data-version={ticket.version} data-agency={ticket.agency_id} data-assignee={ticket.assignee_id ?? ""}>
      <p><a href="#/queue">← {t('back')}</a></p>
      <h2>{t('ticket', { code: r.code })} <span class={`status s-${r.status}`} data-testid="ticket-status">{statusName(r.status)}</span></h2>
      {notice && (
        <div role={notice.kind === 'ok' ? 'status' : 'alert'} class={`notice ${notice.kind}`} data-testid={`notice-${notice.kind}`}>
          {notice.lines.map((l) => <p>{l}</p>)}
        </div>
      )}
      <div class="grid">
        <section aria-labelledby="t-facts" class="card">
          <h3 id="t-facts">{t('description')}</h3>
          <p class="desc">{r.description}</p>
          <dl>
            <dt>{t('category')}</dt><dd>{categoryName(cat, r.category)}</dd>
            <dt>{t('agency')}</dt><dd>{agencyName(cat, ticket.agency_id)}</dd>
            <dt>{t('commune')}</dt><dd>{communeName(cat, r.routing.commune?.code)}</dd>
            {r.address && <><dt>{t('address')}</dt><dd>{r.address}</dd></>}
            <dt>{t('routing')}</dt><dd>{lang() === 'en' ? r.routing.reason : r.routing.reason_vi}</dd>
            <dt>{t('created')}</dt><dd>{formatTime(r.created_at)}</dd>
            <dt>{t('acceptBy')}</dt><dd data-testid="accept-by">{formatTime(r.accept_by)}</dd>
            <dt>{t('resolveBy')}</dt><dd data-testid="resolve-by">{formatTime(r.resolve_by)}</dd>
            <dt>{t('workingLeftTitle')}</dt>
            <dd data-testid="working-left" data-minutes={ticket.working_minutes_left} class={late ? 'late' : ''}>
              {ticket.working_minutes_left !== undefined ? workingLeft(ticket.working_minutes_left, late)
                : r.status === 'info_requested' ? t('wPaused') : '—'}
            </dd>
          </dl>
        </section>
        <section aria-labelledby="t-map" class="card">
          <h3 id="t-map">{t('location')}</h3>
          <TicketMap catalogue={cat} lat={r.location.lat} lng={r.location.lng} commune={r.routing.commune?.code} />
        </section>
      </div>
      <Photos title={t('photosBefore')} photos={before} testid="photos-before" />
      <Photos title={t('photosAfter')} photos={after} testid="photos-after" />
      <section class="card" aria-labelledby="t-actions">
        <h3 id="t-actions">{t('actions')}</h3>
        <Actions ticket={ticket} catalogue={cat} onAct={act} />
      </section>
      <div class="grid">
        <Entries title={t('residentAnswers')} entries={answers} empty={t('noAnswers')} testid="answers" />
        <Entries title={t('publicComments')} entries={comments('comment_public')} empty={t('noComments')} testid="comments-public" />
        <Entries title={t('internalComments')} entries={comments('comment_internal')} empty={t('noComments')} testid="comments-internal" />
      </div>
      <Entries title={t('timeline')} entries={r.timeline.filter((e) => !commentActions.includes(e.action))} empty="" testid="timeline" />
    </article>
  );
}

function TicketMap(props: { catalogue: Catalogue; lat: number; lng: number; commune: string | undefined }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => (el.current ? ticketMap(el.current, props.catalogue.boundaries, props.lat, props.lng, props.commune) : undefined),
    [props.lat, props.lng, props.commune, props.catalogue.boundaries]);
  return <div ref={el} class="map" role="img" aria-label={t('mapOf')} data-testid="ticket-map" />;
}

function Photos(props: { title: string; photos: Schemas['Photo'][]; testid: string }) {
  return (
    <section class="card" data-testid={props.testid} data-count={props.photos.length}>
      <h3>{props.title}</h3>
      {props.photos.length === 0 && <p>{t('noPhotos')}</p>}
      <ul class="photos">
        {props.photos.map((p, i) => (
          <li>{p.status === 'ready' && p.url
            ? <a href={p.url} target="_blank" rel="noopener"><img src={p.thumbnail_url ?? p.url} alt={`${props.title} ${i + 1}`} /></a>
            : <span class="pending">{t('photoProcessing')}</span>}
            {p.original_url && (
              <a class="original" data-testid="original" href={p.original_url} target="_blank" rel="noopener"
                aria-label={t('originalOf', { n: i + 1 })}>{t('original')}</a>
            )}</li>
        ))}
      </ul>
    </section>
  );
}

function Entries(props: { title: string; entries: Entry[]; empty: string; testid: string }) {
  return (
    <section class="card" data-testid={props.testid} data-count={props.entries.length}>
      <h3>{props.title}</h3>
      {props.entries.length === 0 && props.empty && <p>{props.empty}</p>}
      <ol class="entries">
        {props.entries.map((e) => (
          <li data-action={e.action}>
            <time dateTime={e.at}>{formatTime(e.at)}</time> <b>{actionName(e.action)}</b>
            {e.to_status && <> → {statusName(e.to_status)}</>}
            {e.note && <p>{e.note}</p>}
          </li>
        ))}
      </ol>
    </section>
  );
}

// The actions whose text reaches the resident or a colleague, where a reply template helps.
const templateActions: string[] = ['comment', 'request_info', 'resolve', 'reject'];

const rejectReasons = ['duplicate', 'not_a_problem', 'insufficient_info', 'abusive'] as const;

function Actions(props: { ticket: Ticket; catalogue: Catalogue; onAct: (b: Schemas['TicketAction']) => Promise<boolean> }) {
  const allowed = props.ticket.allowed_actions as ActionName[];
  const [action, setAction] = useState<ActionName | ''>('');
  const [note, setNote] = useState('');
  const [isPublic, setPublic] = useState(false);
  const [reason, setReason] = useState<(typeof rejectReasons)[number]>('not_a_problem');
  const [dup, setDup] = useState('');
  const [agency, setAgency] = useState('');
  const [photo, setPhoto] = useState<{ id?: string; pct: number; error?: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [inserted, setInserted] = useState('');
  const noteBox = useRef<HTMLTextAreaElement>(null);
  useEffect(() => { if (action && !allowed.includes(action)) setAction(''); }, [props.ticket.version]);
  if (allowed.length === 0) return <p>{t('noActions')}</p>;

  const pick = async (file: File | undefined) => {
    if (!file) return;
    setPhoto({ pct: 0 });
    try {
      const id = await uploadPhoto(file, (pct) => setPhoto({ pct }));
      setPhoto({ id, pct: 100 });
    } catch (e) {
      setPhoto({ pct: 0, error: (e as Error).message });
    }
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!action) return;
    const body: Schemas['TicketAction'] = { action };
    if (note) body.note = note;
    if (action === 'comment') body.public = isPublic;
    if (action === 'reject') body.reason = reason;
    if ((action === 'reject' && reason === 'duplicate') || action === 'mark_duplicate') body.duplicate_of = dup;
    if (action === 'transfer') body.to_agency = agency;
    if (action === 'assign') body.assignee_id = signedInUser() ?? undefined; // take the ticket
    if (action === 'resolve' && photo?.id) body.after_photos = [photo.id];
    setBusy(true);
    if (await props.onAct(body)) { setNote(''); setPhoto(null); setAction(''); setInserted(''); }
    setBusy(false);
  };
  const noteLabel = action === 'resolve' ? t('replyToResident') : t('note');
  return (
    <form class="actions" onSubmit={submit} data-testid="actions" data-allowed={allowed.join(' ')}>
      <label>{t('actions')}
        <select data-testid="action" value={action} required onChange={(e) => { setAction(e.currentTarget.value as ActionName); setInserted(''); }}>
          <option value="" disabled>—</option>
          {allowed.map((a) => <option value={a}>{actionName(a)}</option>)}
        </select>
      </label>
      {templateActions.includes(action) && (
        <TemplatePicker agencyId={props.ticket.agency_id} category={props.ticket.report.category} onPick={(text, title) => {
          setNote((n) => (n.trim() ? `${n.trimEnd()}\n${text}` : text));
          setInserted(t('templateInserted', { title }));
          noteBox.current?.focus();
        }} />
      )}
      {action && action !== 'accept' && action !== 'start' && action !== 'unhide' && action !== 'assign' && (
        <label>{noteLabel}<textarea ref={noteBox} data-testid="note" rows={3} maxLength={4000} value={note} onInput={(e) => setNote(e.currentTarget.value)} /></label>
      )}
      {inserted && <p role="status" class="hint" data-testid="template-inserted">{inserted}</p>}
      {action === 'comment' && (
        <label class="check"><input type="checkbox" data-testid="comment-public" checked={isPublic} onChange={(e) => setPublic(e.currentTarget.checked)} />{t('commentPublic')}</label>
      )}
      {action === 'reject' && (
        <label>{t('rejectReason')}
          <select value={reason} onChange={(e) => setReason(e.currentTarget.value as (typeof rejectReasons)[number])}>
            {rejectReasons.map((x) => <option value={x}>{x}</option>)}
          </select>
        </label>
      )}
      {((action === 'reject' && reason === 'duplicate') || action === 'mark_duplicate') && (
        <label>{t('duplicateOf')}<input value={dup} onInput={(e) => setDup(e.currentTarget.value)} /></label>
      )}
      {action === 'transfer' && (
        <label>{t('toAgency')}
          <select data-testid="to-agency" value={agency} required onChange={(e) => setAgency(e.currentTarget.value)}>
            <option value="" disabled>—</option>
            {props.catalogue.agencies.filter((a) => a.id !== props.ticket.agency_id)
              .map((a) => <option value={a.id}>{agencyName(props.catalogue, a.id)}</option>)}
          </select>
        </label>
      )}
      {action === 'resolve' && (
        <label>{t('afterPhoto')}
          <input type="file" data-testid="after-photo" accept="image/jpeg,image/png,image/webp,image/heic"
            onChange={(e) => pick(e.currentTarget.files?.[0])} />
        </label>
      )}
      {photo && (
        <p role="status" data-testid="upload-status" data-pct={photo.pct} data-upload-id={photo.id}>
          {photo.error ? t('uploadFailed', { detail: photo.error }) : photo.id ? t('uploadDone') : t('uploadProgress', { pct: photo.pct })}
          {!photo.id && !photo.error && <progress max={100} value={photo.pct} aria-label={t('afterPhoto')} />}
        </p>
      )}
      <button type="submit" data-testid="act" disabled={busy || !action || (action === 'resolve' && photo !== null && !photo.id)}>{t('send')}</button>
    </form>
  );
}
