import type { ReactNode } from "react";
import type { UseQueryResult } from "@tanstack/react-query";
import { Empty, ErrorState, isMlUnavailable, Loading } from "../../../components/States";

/** An ML query's error: "ML API not available" (404/503, with the server's reason) or another error. */
export function MlError({ label, error, onRetry }: { label: string; error: unknown; onRetry?: () => void }) {
  const missing = isMlUnavailable(error);
  return (
    <>
      <ErrorState label={label} error={error} title={missing ? "ML API not available" : undefined} onRetry={onRetry} />
      {missing && <p className="hint">The ML service did not answer. The fleet analytics pages work without it.</p>}
    </>
  );
}

interface MlQueryStateProps<T> {
  query: UseQueryResult<T>;
  label: string;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}

/** Loading, ML error, empty or the content of one ML query. */
export function MlQueryState<T>({ query, label, isEmpty, empty, children }: MlQueryStateProps<T>) {
  if (query.isPending) return <Loading label={label} />;
  if (query.isError) return <MlError label={label} error={query.error} onRetry={() => void query.refetch()} />;
  if (isEmpty?.(query.data)) return <Empty>{empty ?? `No ${label}.`}</Empty>;
  return <>{children(query.data)}</>;
}
