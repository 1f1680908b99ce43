import type { ReactNode } from "react";
import type { UseQueryResult } from "@tanstack/react-query";
import { ApiError } from "../api/client";

/** A polite "loading" line, announced by screen readers. */
export function Loading({ label }: { label: string }) {
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {label}…
    </p>
  );
}

/** What to show when a query succeeded but found nothing. */
export function Empty({ children }: { children: ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}

/** True when the error says the ML API is not there (yet) or switched off. */
export function isMlUnavailable(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 404 || error.status === 503);
}

function explain(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return "Your role does not allow this view.";
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

interface ErrorStateProps {
  label: string;
  error: unknown;
  onRetry?: () => void;
  title?: string;
}

/** An error with what went wrong and a retry button. */
export function ErrorState({ label, error, onRetry, title }: ErrorStateProps) {
  if (error instanceof ApiError && error.status === 401) {
    return null; // the session ended: the app is on its way back to the login page
  }
  return (
    <div className="state state-error" role="alert">
      <p>
        <strong>{title ?? `Could not load ${label}`}.</strong> {explain(error)}
      </p>
      {onRetry && (
        <button type="button" className="secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

interface QueryStateProps<T> {
  query: UseQueryResult<T>;
  label: string;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}

/** Loading, error, empty or the content of one query. */
export function QueryState<T>({ query, label, isEmpty, empty, children }: QueryStateProps<T>) {
  if (query.isPending) return <Loading label={label} />;
  if (query.isError) return <ErrorState label={label} error={query.error} onRetry={() => void query.refetch()} />;
  if (isEmpty?.(query.data)) return <Empty>{empty ?? `No ${label} for these filters.`}</Empty>;
  return <>{children(query.data)}</>;
}
