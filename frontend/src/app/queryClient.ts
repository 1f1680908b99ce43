import { QueryClient } from "@tanstack/react-query";
import { ApiError } from "../api/client";

/** Retry once on network errors and 5xx; 4xx and 503 (switched off or busy: the view says so) are final. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (failureCount >= 1) return false;
  return !(error instanceof ApiError) || error.status === 0 || (error.status >= 500 && error.status !== 503);
}

/** The app's query client: a minute of freshness, no refetch on every focus. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 60_000, retry: shouldRetry, refetchOnWindowFocus: false },
      mutations: { retry: false },
    },
  });
}
