import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import type { ReactNode } from 'react';
import { Toaster } from 'sonner';
import { I18nProvider } from '@/components/i18n';
import { isLocale, LOCALE_COOKIE } from '@/lib/i18n';
import { TRPCReactProvider } from '@/lib/trpc/client';
import './globals.css';

export const metadata: Metadata = {
  title: 'Magpie',
  description: 'Self-hosted MQTT messaging service',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const saved = (await cookies()).get(LOCALE_COOKIE)?.value;
  const locale = isLocale(saved) ? saved : 'en';
  return (
    <html lang={locale === 'zh' ? 'zh-CN' : 'en'}>
      <body>
        <I18nProvider initialLocale={locale}>
          <TRPCReactProvider>
            {children}
            <Toaster richColors position="top-center" closeButton />
          </TRPCReactProvider>
        </I18nProvider>
      </body>
    </html>
  );
}
