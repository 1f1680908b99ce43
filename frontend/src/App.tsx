import { useEffect, useState } from "react";
import { fetchHealth, type Health } from "./api";

type State = { kind: "loading" } | { kind: "ready"; health: Health } | { kind: "error"; message: string };

/** Placeholder page until the dashboard lands: shows the backend's health. */
export function App() {
  const [state, setState] = useState<State>({ kind: "loading" });

  useEffect(() => {
    fetchHealth()
      .then((health) => setState({ kind: "ready", health }))
      .catch((error: unknown) => setState({ kind: "error", message: String(error) }));
  }, []);

  return (
    <main style={{ fontFamily: "system-ui, sans-serif", margin: "3rem auto", maxWidth: "40rem" }}>
      <h1>DrillWatch</h1>
      <p>Telemetry analytics and predictive maintenance for drilling fleets.</p>
      {state.kind === "loading" && <p>Checking the backend…</p>}
      {state.kind === "error" && <p role="alert">Backend unreachable: {state.message}</p>}
      {state.kind === "ready" && (
        <dl aria-label="backend health">
          <dt>Status</dt>
          <dd>{state.health.status}</dd>
          <dt>Version</dt>
          <dd>{state.health.version}</dd>
          <dt>Telemetry store</dt>
          <dd>{state.health.telemetry_store}</dd>
          <dt>Database</dt>
          <dd>{state.health.database}</dd>
        </dl>
      )}
      <p>
        API documentation: <a href="/docs">/docs</a>
      </p>
    </main>
  );
}
