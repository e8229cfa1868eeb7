import Link from 'next/link';
import { cookies } from 'next/headers';
import { LogoMark } from '@/components/logo';
import { buttonClass } from '@/components/ui/button';
import { isLocale, LOCALE_COOKIE, translate } from '@/lib/i18n';

export default async function NotFound() {
  const saved = (await cookies()).get(LOCALE_COOKIE)?.value;
  const locale = isLocale(saved) ? saved : 'en';
  return (
    <main className="flex min-h-screen flex-col items-center justify-center gap-3 px-6 text-center">
      <LogoMark className="size-10" />
      <h1 className="mt-2 text-lg font-semibold text-slate-900">{translate(locale, 'notFound.title')}</h1>
      <p className="max-w-md text-sm text-slate-500">{translate(locale, 'notFound.text')}</p>
      <Link href="/instances" className={buttonClass('primary', 'md', 'mt-3')}>
        {translate(locale, 'notFound.back')}
      </Link>
    </main>
  );
}
