'use client';
import { Languages } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useI18n } from '@/components/i18n';
import { isLocale } from '@/lib/i18n';
import { cx } from './ui/cx';

/**
 * English / 简体中文. The accessible name stays "Language" in both languages, so the switch can
 * always be found again. The choice is remembered in a cookie (components/i18n.tsx).
 */
export function LanguageSelect({ className }: { className?: string }) {
  const { locale, setLocale } = useI18n();
  const router = useRouter();
  return (
    <div className={cx('relative flex items-center', className)}>
      <Languages aria-hidden="true" className="pointer-events-none absolute left-2 size-4 text-slate-500" />
      <select
        aria-label="Language"
        value={locale}
        onChange={(e) => {
          if (!isLocale(e.target.value)) return;
          setLocale(e.target.value);
          // Server-rendered parts (page titles) follow the cookie.
          router.refresh();
        }}
        className="h-8 cursor-pointer appearance-none rounded border border-transparent bg-transparent pr-2 pl-7 text-sm text-slate-700 hover:border-slate-200 hover:bg-slate-50 focus:border-brand-500 focus:outline-none"
      >
        <option value="en">English</option>
        <option value="zh">简体中文</option>
      </select>
    </div>
  );
}
