import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router";

/** A repeated URL parameter restricted to ``allowed``; setting it returns the table to page 1. */
export function useUrlList<T extends string>(key: string, allowed: readonly T[]): [T[], (next: T[]) => void] {
  const [params, setParams] = useSearchParams();
  const joined = params
    .getAll(key)
    .filter((v): v is T => (allowed as readonly string[]).includes(v))
    .join(",");
  const values = useMemo(() => (joined ? (joined.split(",") as T[]) : []), [joined]);
  const set = useCallback(
    (next: T[]) =>
      setParams(
        (current) => {
          const merged = new URLSearchParams(current);
          merged.delete(key);
          for (const v of next) merged.append(key, v);
          merged.delete("page");
          return merged;
        },
        { replace: true },
      ),
    [key, setParams],
  );
  return [values, set];
}
