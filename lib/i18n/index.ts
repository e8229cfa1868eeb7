import { en, type MessageKey } from './en';
import { zh } from './zh';

export type Locale = 'en' | 'zh';
export const LOCALES: readonly Locale[] = ['en', 'zh'];
export const LOCALE_COOKIE = 'magpie_locale';
export const dictionaries: Record<Locale, Record<MessageKey, string>> = { en, zh };
export type { MessageKey };

export function isLocale(v: unknown): v is Locale {
  return v === 'en' || v === 'zh';
}

export type MessageParams = Record<string, string | number>;

/** Looks a key up; a string that is not a key (e.g. a server message) is returned as it is. */
export function translate(locale: Locale, key: string, params?: MessageParams): string {
  const dict = dictionaries[locale] as Record<string, string>;
  const text = dict[key] ?? (en as Record<string, string>)[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}
