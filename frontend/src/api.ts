/** The public health check of the backend: GET /api/v1/health. */
export interface Health {
  status: "ok" | "degraded";
  version: string;
  telemetry_store: string;
  database: string;
}

export async function fetchHealth(fetcher: typeof fetch = fetch): Promise<Health> {
  const response = await fetcher("/api/v1/health");
  if (!response.ok && response.status !== 503) {
    throw new Error(`health check answered HTTP ${response.status}`);
  }
  return (await response.json()) as Health;
}
