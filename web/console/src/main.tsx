// The staff console: sign-in, then the queue, a ticket, the dashboard and administration by role.
// Routes live in the URL's hash (#/queue, #/tickets/ID, #/dashboard, #/admin), so a reload keeps the view;
// the session survives a reload through the refresh cookie, never through storage.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './style.css';
import { onSessionEnded, refresh, signIn, signOut, type Profile } from './api';
import { loadCatalogue, type Catalogue } from './catalogue';
import { lang, roleName, setLang, t, type Lang } from './i18n';
import { QueueView } from './queue';
import { TicketView } from './ticket';
import { DashboardView } from './dashboard';
import { AdminView } from './admin';
import { CatalogueView } from './catalogue-admin';
import { TemplatesView } from './templates-admin';
import { AuditView } from './audit';
import { HotlineView } from './hotline';

type Phase = { kind: 'starting' } | { kind: 'signin' } | { kind: 'ended'; detail: string } | { kind: 'in'; user: Profile };

const useHash = () => {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const f = () => setHash(location.hash);
    addEventListener('hashchange', f);
    return () => removeEventListener('hashchange', f);
  }, []);
  return hash;
};

const isSupervisor = (u: Profile) => u.role === 'dispatcher' || u.role === 'admin';
const isAdmin = (u: Profile) => u.role === 'admin' || u.role === 'agency_admin';
const isCallTaker = (u: Profile) => u.role === 'call_taker';

function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'starting' });
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  const [, setLangTick] = useState<Lang>(lang());
  const hash = useHash();

  useEffect(() => {
    onSessionEnded((detail) => setPhase({ kind: 'ended', detail }));
    refresh().then((s) => setPhase(s ? { kind: 'in', user: s.user } : { kind: 'signin' }));
    loadCatalogue((boundaries) => setCatalogue((c) => (c ? { ...c, boundaries } : c))).then(setCatalogue, () => setCatalogue(null));
  }, []);
  useEffect(() => { document.body.dataset.phase = phase.kind; }, [phase.kind]);

  const switchLang = (l: Lang) => { setLang(l); setLangTick(l); };
  const langSwitch = (
    <label class="lang">
      {t('language')}{' '}
      <select data-testid="lang-switch" value={lang()} onChange={(e) => switchLang(e.currentTarget.value as Lang)}>
        <option value="vi">Tiếng Việt</option>
        <option value="en">English</option>
      </select>
    </label>
  );

  if (phase.kind === 'starting') return <main class="center" aria-busy="true">{t('loading')}</main>;
  if (phase.kind === 'signin' || phase.kind === 'ended') {
    return <SignIn ended={phase.kind === 'ended' ? phase.detail : null} langSwitch={langSwitch}
      onIn={(user) => { setPhase({ kind: 'in', user }); location.hash = isCallTaker(user) ? '#/hotline' : '#/queue'; }} />;
  }
  const user = phase.user;
  const route = hash.replace(/^#\/?/, '').split('/');
  let view;
  if (!catalogue) view = <p aria-busy="true">{t('loading')}</p>;
  else if (route[0] === 'tickets' && route[1]) view = <TicketView id={route[1]} user={user} catalogue={catalogue} />;
  else if (route[0] === 'dashboard' && isSupervisor(user)) view = <DashboardView catalogue={catalogue} />;
  else if (route[0] === 'admin' && isAdmin(user)) view = <AdminView user={user} catalogue={catalogue} />;
  else if (route[0] === 'catalogue' && user.role === 'admin') view = <CatalogueView catalogue={catalogue} onChange={(f) => setCatalogue((c) => (c ? f(c) : c))} />;
  else if (route[0] === 'templates' && isAdmin(user)) view = <TemplatesView user={user} catalogue={catalogue} />;
  else if (route[0] === 'audit' && isAdmin(user)) view = <AuditView user={user} catalogue={catalogue} />;
  else if (isCallTaker(user)) view = <HotlineView catalogue={catalogue} />;
  else view = <QueueView user={user} catalogue={catalogue} />;
  const link = (href: string, label: string, name: string) =>
    <a href={href} aria-current={route[0] === name ? 'page' : undefined}>{label}</a>;
  return (
    <>
      <header class="top">
        <h1>{t('appName')}</h1>
        <nav aria-label={t('nav')}>
          {!isCallTaker(user) && link('#/queue', t('queue'), 'queue')}
          {isCallTaker(user) && link('#/hotline', t('hotline'), 'hotline')}
          {isSupervisor(user) && link('#/dashboard', t('dashboard'), 'dashboard')}
          {isAdmin(user) && link('#/admin', t('admin'), 'admin')}
          {user.role === 'admin' && link('#/catalogue', t('catalogue'), 'catalogue')}
          {isAdmin(user) && link('#/templates', t('replyTemplates'), 'templates')}
          {isAdmin(user) && link('#/audit', t('auditTrail'), 'audit')}
        </nav>
        <span class="who" data-testid="who">{user.display_name ?? user.username} · {roleName(user.role)}</span>
        {langSwitch}
        <button type="button" data-testid="sign-out" onClick={async () => { await signOut(); setPhase({ kind: 'signin' }); }}>
          {t('signOut')}
        </button>
      </header>
      <main>{view}</main>
    </>
  );
}

function SignIn(props: { ended: string | null; langSwitch: preact.JSX.Element; onIn: (u: Profile) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      props.onIn(await signIn(username, password));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="center">
      <form class="card signin" onSubmit={submit} data-testid="signin-form">
        <h1>{t('appName')}</h1>
        {props.ended !== null && (
          <div role="alert" class="ended" data-testid="session-ended">
            <h2>{t('signedOutTitle')}</h2>
            <p>{t('signedOutText')}</p>
            {props.ended && <p data-testid="session-ended-detail">{props.ended}</p>}
          </div>
        )}
        <label>{t('username')}<input name="username" autocomplete="username" required value={username}
          onInput={(e) => setUsername(e.currentTarget.value)} /></label>
        <label>{t('password')}<input name="password" type="password" autocomplete="current-password" required value={password}
          onInput={(e) => setPassword(e.currentTarget.value)} /></label>
        {error && <p role="alert" class="error" data-testid="signin-error">{error}</p>}
        <button type="submit" disabled={busy}>{busy ? t('signingIn') : props.ended !== null ? t('signInAgain') : t('signIn')}</button>
        {props.langSwitch}
      </form>
    </main>
  );
}

render(<App />, document.getElementById('app')!);
