'use client';
import { useMemo } from 'react';
import { useI18n } from '@/components/i18n';

/** Numbers and times in the console's language. */
export function useFormat() {
  const { locale } = useI18n();
  return useMemo(() => {
    const tag = locale === 'zh' ? 'zh-CN' : 'en-US';
    const number = new Intl.NumberFormat(tag);
    const dateTime = new Intl.DateTimeFormat(tag, {
      year: 'numeric',
      month: locale === 'zh' ? '2-digit' : 'short',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    });
    return {
      number: (n: number) => number.format(n),
      dateTime: (ms: number) => dateTime.format(new Date(ms)),
    };
  }, [locale]);
}
