/** Page titles for server components' `generateMetadata`, in the language the cookie holds. */
import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import { isLocale, LOCALE_COOKIE, translate, type MessageKey } from '@/lib/i18n';

export async function pageTitle(key: MessageKey, params?: Record<string, string>): Promise<Metadata> {
  const saved = (await cookies()).get(LOCALE_COOKIE)?.value;
  const locale = isLocale(saved) ? saved : 'en';
  return { title: `${translate(locale, key, params)} · Magpie` };
}

/** A `?next=` target that stays inside the console (no other sites, no login loop). */
export function safeNextPath(raw: string | string[] | undefined): string {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/instances';
  if (value.startsWith('/login') || value.startsWith('/setup') || value.startsWith('/api/')) return '/instances';
  return value;
}
