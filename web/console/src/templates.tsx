// Reply templates in the ticket screen: the agency's templates for the ticket's category (and its general
// ones), titled in the console's language first and in the other language after; picking one hands its text
// to the reply box, where it stays editable before sending.
import { useEffect, useState } from 'preact/hooks';
import { client, describe, type Schemas } from './api';
import { lang, t, type Lang } from './i18n';

type Template = Schemas['ReplyTemplate'];

export function TemplatePicker(props: { agencyId: string; category: string; onPick: (text: string, title: string) => void }) {
  const [items, setItems] = useState<Template[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    client.GET('/v1/reply-templates', { params: { query: { agency_id: props.agencyId, category: props.category } } })
      .then(({ data, error }) => {
        if (!live) return;
        if (data) setItems(data.items); else setError(describe(error));
      }, (e: Error) => live && setError(e.message));
    return () => { live = false; };
  }, [props.agencyId, props.category]);
  if (error) return <p role="alert" class="error">{error}</p>;
  if (!items) return null;
  if (items.length === 0) return <p data-testid="reply-template-none">{t('replyTemplateNone')}</p>;
  const order: Lang[] = lang() === 'en' ? ['en', 'vi'] : ['vi', 'en'];
  const pick = (value: string) => {
    const [l, id] = value.split(':');
    const x = items.find((i) => i.id === id);
    if (!x) return;
    props.onPick(l === 'en' ? x.body_en : x.body_vi, l === 'en' ? x.title_en : x.title_vi);
  };
  return (
    <label>{t('replyTemplate')}
      <select data-testid="reply-template" data-count={items.length} value=""
        onChange={(e) => { pick(e.currentTarget.value); e.currentTarget.value = ''; }}>
        <option value="">—</option>
        {order.map((l) => (
          <optgroup label={t('templatesIn', { lang: t(l === 'en' ? 'langEn' : 'langVi') })}>
            {items.map((x) => <option value={`${l}:${x.id}`} lang={l}>{l === 'en' ? x.title_en : x.title_vi}</option>)}
          </optgroup>
        ))}
      </select>
    </label>
  );
}
