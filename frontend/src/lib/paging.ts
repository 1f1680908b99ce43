import { useCallback } from "react";
import { useSearchParams } from "react-router";

/** The table page (0-based offset) kept in the URL's ``page`` parameter (1-based). */
export function usePageOffset(limit: number, key = "page"): [number, (offset: number) => void] {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number.parseInt(params.get(key) ?? "1", 10) || 1);
  const setOffset = useCallback(
    (offset: number) => {
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          const target = Math.floor(offset / limit) + 1;
          if (target <= 1) next.delete(key);
          else next.set(key, String(target));
          return next;
        },
        { replace: true },
      );
    },
    [key, limit, setParams],
  );
  return [(page - 1) * limit, setOffset];
}
