import { useQuery } from "@tanstack/react-query";
import { get, type QueryParams } from "../../api/client";

// Phase 1: the /api/ml/* routes are not there yet. These hooks only find out whether
// they answer; the typed shapes come with the ML pages once the routes exist.

/** GET an /api/ml/* route without retrying: 404 (not deployed) and 503 (disabled) are final. */
export function useMlProbe(path: string, params: QueryParams = {}) {
  return useQuery({
    queryKey: ["ml", path, params],
    queryFn: () => get<unknown>(path, params),
    retry: false,
  });
}
