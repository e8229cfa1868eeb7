'use client';
import type { ReactNode } from 'react';
import { useI18n } from '@/components/i18n';
import { LanguageSelect } from '@/components/language-select';
import { Logo } from '@/components/logo';

/** The frame of the login and setup pages: brand, language switch, a centred card. */
export function AuthFrame({ title, subtitle, children }: { title: string; subtitle?: ReactNode; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="flex min-h-screen flex-col bg-slate-100 bg-[radial-gradient(ellipse_at_top,var(--color-brand-100),transparent_60%)]">
      <header className="flex h-14 items-center justify-between px-6">
        <Logo subtitle={t('brand.subtitle')} />
        <LanguageSelect />
      </header>
      <main className="flex flex-1 items-start justify-center px-4 pt-[8vh] pb-16">
        <div className="w-full max-w-sm">
          <div className="rounded-lg border border-slate-200 bg-white p-7 shadow-lg shadow-slate-200/60">
            <h1 className="text-lg font-semibold text-slate-900">{title}</h1>
            {subtitle && <p className="mt-1 text-sm text-slate-500">{subtitle}</p>}
            <div className="mt-6">{children}</div>
          </div>
          <p className="mt-6 text-center text-xs text-slate-400">{t('brand.footer')}</p>
        </div>
      </main>
    </div>
  );
}
