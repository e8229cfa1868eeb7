'use client';
import { useEffect } from 'react';
import { LoadingState } from '@/components/ui/states';

export function LoginRedirect() {
  useEffect(() => {
    const here = window.location.pathname + window.location.search;
    window.location.replace(`/login?next=${encodeURIComponent(here)}`);
  }, []);
  return <LoadingState className="min-h-screen" />;
}
