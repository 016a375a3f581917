/*
 * A text field that suggests keys as you type (a native datalist: keyboard and screen readers
 * work as with any input).
 */
import { useEffect, useState } from 'preact/hooks';

interface Props {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  suggest: (prefix: string) => Promise<{ key: string; note: string }[]>;
}

export function KeyPicker({ id, label, value, onInput, suggest }: Props) {
  const [options, setOptions] = useState<{ key: string; note: string }[]>([]);
  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      suggest(value).then((found) => current && setOptions(found), () => current && setOptions([]));
    }, 120);
    return () => {
      current = false;
      clearTimeout(timer);
    };
    // The suggestions follow the typed value only: a parent's re-render hands a new suggest
    // function with the same meaning, which must not ask the service again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value]);
  return (
    <label class="picker" for={id}>
      <span>{label}</span>
      <input id={id} name={id} list={`${id}-options`} autocomplete="off" spellcheck={false} value={value} onInput={(e) => onInput((e.target as HTMLInputElement).value)} />
      <datalist id={`${id}-options`}>
        {options.map((o) => (
          <option value={o.key}>{o.note}</option>
        ))}
      </datalist>
    </label>
  );
}
