import { cx } from './ui/cx';

/** The Magpie mark: a stylised bird over a message bubble, in the brand blue. */
export function LogoMark({ className }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" aria-hidden="true" className={cx('size-7', className)}>
      <rect width="32" height="32" rx="7" className="fill-brand-500" />
      <path d="M7 21.5c3.5-.4 6.3-2.2 8.2-5.2L19 10l2.6 2.3 3.4-.6-2.2 2.9c-1.2 5.3-5.7 8.9-11.4 8.9H7z" fill="#fff" />
      <circle cx="21.2" cy="12.4" r="0.9" className="fill-brand-500" />
      <path d="M9 24.5h9" stroke="#fff" strokeOpacity=".6" strokeWidth="1.6" strokeLinecap="round" />
    </svg>
  );
}

export function Logo({ subtitle }: { subtitle?: string }) {
  return (
    <span className="flex items-center gap-2">
      <LogoMark />
      <span className="flex flex-col leading-tight">
        <span className="text-[15px] font-semibold tracking-tight text-slate-900">Magpie</span>
        {subtitle && <span className="text-[11px] text-slate-500">{subtitle}</span>}
      </span>
    </span>
  );
}
