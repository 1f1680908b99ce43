import { useEffect, useState } from "react";
import { formatLocal } from "../lib/format";

interface Refreshable {
  dataUpdatedAt: number;
  isFetching: boolean;
  refetch: () => unknown;
}

function ago(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 5) return "just now";
  if (seconds < 90) return `${seconds} s ago`;
  return `${Math.round(seconds / 60)} min ago`;
}

/** "Updated 12 s ago · refreshes every 30 s" for the queries of a page, with a refresh button. */
export function LastUpdated({ queries, every }: { queries: Refreshable[]; every: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 5000);
    return () => window.clearInterval(timer);
  }, []);
  const times = queries.map((q) => q.dataUpdatedAt).filter((t) => t > 0);
  const fetching = queries.some((q) => q.isFetching);
  const oldest = times.length ? Math.min(...times) : 0;
  return (
    <p className="last-updated" data-updated-at={oldest || undefined}>
      <span aria-live="polite">{fetching ? "Updating…" : oldest ? <span title={formatLocal(oldest)}>Updated {ago(now - oldest)}</span> : "Not loaded yet"}</span>
      <span className="hint"> · refreshes every {Math.round(every / 1000)} s</span>{" "}
      <button type="button" className="link-button" onClick={() => queries.forEach((q) => void q.refetch())} disabled={fetching}>
        Refresh now
      </button>
    </p>
  );
}
