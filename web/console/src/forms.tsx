// What the screens that edit share: loading with a reload, and forms checked by the API, whose
// problem+json field errors are shown next to their fields in the server's words (in the console's
// language, sent in Accept-Language); what names no field of the form is shown above it.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { describe, type Problem } from './api';
import { t } from './i18n';

// useLoad runs f now and again at each call of the reload it returns.
export function useLoad<T>(f: () => Promise<T>, deps: unknown[] = []): [T | null, string, () => void] {
  const [v, setV] = useState<T | null>(null);
  const [err, setErr] = useState('');
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    f().then((x) => { if (live) { setV(x); setErr(''); } }, (e: Error) => live && setErr(e.message));
    return () => { live = false; };
  }, [n, ...deps]);
  return [v, err, () => setN((x) => x + 1)];
}

// need returns an openapi-fetch answer's data, or throws its problem as one line.
export const need = <T,>(r: { data?: T; error?: unknown }): T => {
  if (r.data === undefined) throw new Error(describe(r.error));
  return r.data;
};

export type Checked = { fields: Record<string, string>; general: string };
export const unchecked: Checked = { fields: {}, general: '' };
export const missing = (name: string, message: string): Checked => ({ fields: { [name]: message }, general: '' });

// checked sorts a problem's errors onto the form's fields ("body.location.lat" and "path.code" go to
// "location" and "code" when the form has them); the problem's detail and the rest go above the form,
// or, when every error found its field, a line saying to look at the marked fields.
export function checked(err: unknown, names: readonly string[]): Checked {
  if (!err || typeof err !== 'object') return { fields: {}, general: err ? String(err) : '' };
  const p = err as Partial<Problem>;
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  for (const e of p.errors ?? []) {
    const [where, name = ''] = e.field.split('.');
    if (where !== 'body' && where !== 'path') { rest.push(`${e.field}: ${e.message}`); continue; }
    if (names.includes(name)) fields[name] = fields[name] ? `${fields[name]}; ${e.message}` : e.message;
    else rest.push(`${e.field}: ${e.message}`);
  }
  if (rest.length === 0 && Object.keys(fields).length > 0) return { fields, general: t('checkFields') };
  return { fields, general: [p.detail ?? p.title ?? '', ...rest].filter(Boolean).join(' — ') };
}

// without drops the errors of fields just changed: what is shown is then what the API said of the values shown.
export function without(c: Checked, names: string[]): Checked {
  if (!names.some((n) => n in c.fields)) return c;
  const fields = { ...c.fields };
  for (const n of names) delete fields[n];
  return { ...c, fields };
}

export type FieldProps = { id: string; name: string; 'aria-invalid'?: 'true'; 'aria-describedby'?: string };

// Field is a labelled control with the API's error for it underneath, tied to it for screen readers.
export function Field(props: { form: string; name: string; label: string; errors: Checked; hint?: string;
  children: (a: FieldProps) => JSX.Element }) {
  const id = `${props.form}-${props.name}`;
  const err = props.errors.fields[props.name];
  const described = [props.hint && `${id}-hint`, err && `${id}-err`].filter(Boolean).join(' ');
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.children({ id, name: props.name, 'aria-invalid': err ? 'true' : undefined, 'aria-describedby': described || undefined })}
      {props.hint && <small id={`${id}-hint`} class="field-hint">{props.hint}</small>}
      {err && <span id={`${id}-err`} class="field-error" data-testid={`field-error-${props.name}`}>{err}</span>}
    </div>
  );
}

// FormProblem is the part of a refusal that no field of the form names.
export function FormProblem(props: { errors: Checked }) {
  return props.errors.general ? <p role="alert" class="error" tabIndex={-1} data-testid="form-error">{props.errors.general}</p> : null;
}

// refuse shows a refusal and, once it is drawn, moves the focus to the first refused field (or the form's
// problem line), so that a keyboard or screen-reader user lands on what to correct.
export function refuse(form: HTMLFormElement, c: Checked, set: (c: Checked) => void) {
  set(c);
  setTimeout(() => (form.querySelector<HTMLElement>('[aria-invalid=true]') ?? form.querySelector<HTMLElement>('[data-testid=form-error]'))?.focus());
}
