'use client';
/**
 * What the Group ID and topic lookups share: a result that refreshes itself every few seconds
 * (unless switched off) and pages through the server's list, shown in a card with its refresh
 * bar; and the client ID that opens that client's own lookup.
 */
import { keepPreviousData } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Cell } from '@/components/ui/plain-table';
import { LoadingState, QueryView } from '@/components/ui/states';
import { AUTO_REFRESH_MS, RefreshBar } from './refresh-bar';

/** Auto-refresh on or off, the page's offset, and the query options that follow them. */
export function useLiveLookup() {
  const [auto, setAuto] = useState(true);
  const [offset, setOffset] = useState(0);
  return {
    auto,
    setAuto,
    offset,
    setOffset,
    // The previous page stays on screen while the next one loads; a failed lookup is not retried.
    options: { refetchInterval: auto ? AUTO_REFRESH_MS : false, retry: false, placeholderData: keepPreviousData },
  } as const;
}

/** The card of a live lookup: what was looked up and a summary as its title, the refresh bar, loading and error. */
export function LiveResultCard<D>({
  name,
  summary,
  query,
  live,
  children,
}: {
  /** The Group ID or topic looked up. */
  name: string;
  /** Counts beside the name, once known. */
  summary?: ReactNode;
  query: { data: D | undefined; isPending: boolean; error: unknown; dataUpdatedAt: number; isFetching: boolean; refetch: () => unknown };
  live: { auto: boolean; setAuto: (on: boolean) => void };
  /** The result, once there is one. */
  children: (data: D) => ReactNode;
}) {
  return (
    <Card
      title={
        <span className="flex flex-wrap items-baseline gap-2">
          <span className="font-mono">{name}</span>
          {summary}
        </span>
      }
      actions={
        <RefreshBar updatedAt={query.dataUpdatedAt} fetching={query.isFetching} auto={live.auto} onAuto={live.setAuto} onRefresh={() => void query.refetch()} />
      }
      bodyClassName="p-0"
    >
      <QueryView query={query} loading={<LoadingState variant="table" rows={3} />}>
        {children}
      </QueryView>
    </Card>
  );
}

/** A table cell with a client ID that opens the lookup of that client. */
export function ClientIdCell({ clientId, onClient }: { clientId: string; onClient: (clientId: string) => void }) {
  return (
    <Cell>
      <Button variant="link" className="font-mono" onClick={() => onClient(clientId)}>
        {clientId}
      </Button>
    </Cell>
  );
}
