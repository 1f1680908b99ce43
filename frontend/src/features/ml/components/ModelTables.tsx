import type { Deployment, ModelVersion } from "../../../api/mlTypes";
import { Time } from "../../../components/Time";
import { formatCount, formatNumber, formatPercent } from "../../../lib/format";

function metric(model: ModelVersion, key: string): number | null {
  const value = model.metrics[key];
  return typeof value === "number" ? value : null;
}

function fraction(value: number | null): string {
  return value === null ? "—" : formatPercent(value * 100);
}

function trainingSummary(model: ModelVersion): string {
  const { days, devices, telemetry_rows: rows } = model.training_data as { days?: number; devices?: number; telemetry_rows?: number };
  return `${formatCount(days)} days, ${formatCount(devices)} devices, ${formatCount(rows)} rows; ${formatCount(model.features.length)} features`;
}

/** Every version with its metrics, the active one marked; admins get a deploy button per inactive version. */
export function VersionsTable({ models, onDeploy }: { models: ModelVersion[]; onDeploy?: (model: ModelVersion) => void }) {
  const sorted = [...models].sort((a, b) => b.registered_at.localeCompare(a.registered_at));
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Versions and metrics">
      <table>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Registered</th>
            <th scope="col">Trained on</th>
            <th scope="col" className="num">
              Accuracy
            </th>
            <th scope="col" className="num">
              Precision
            </th>
            <th scope="col" className="num">
              Recall
            </th>
            <th scope="col" className="num">
              Latency
            </th>
            <th scope="col">SHA-256</th>
            {onDeploy && <th scope="col">Action</th>}
          </tr>
        </thead>
        <tbody>
          {sorted.map((m) => (
            <tr key={m.version} className={m.is_active ? "row-active" : undefined}>
              <th scope="row" className="mono">
                {m.version} {m.is_active && <span className="badge badge-active">Active</span>}
              </th>
              <td>
                <Time value={m.registered_at} />
              </td>
              <td className="wrap training-cell">{trainingSummary(m)}</td>
              <td className="num">{fraction(metric(m, "accuracy"))}</td>
              <td className="num">{fraction(metric(m, "precision"))}</td>
              <td className="num">{fraction(metric(m, "recall"))}</td>
              <td className="num">{metric(m, "latency_ms") === null ? "—" : `${formatNumber(metric(m, "latency_ms"), 1)} ms`}</td>
              <td className="mono" title={m.sha256}>
                {m.sha256.slice(0, 8)}…
              </td>
              {onDeploy && (
                <td>
                  {!m.is_active && (
                    <button type="button" className="secondary" onClick={() => onDeploy(m)}>
                      Deploy {m.version}
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Every switch of the active model, newest first. */
export function DeploymentHistory({ deployments }: { deployments: Deployment[] }) {
  const sorted = [...deployments].sort((a, b) => b.active_from.localeCompare(a.active_from));
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Deployment history">
      <table>
        <thead>
          <tr>
            <th scope="col">Active from</th>
            <th scope="col">Version</th>
            <th scope="col">Action</th>
            <th scope="col">By</th>
            <th scope="col">Reason</th>
            <th scope="col">Replaced</th>
            <th scope="col">Active until</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((d) => (
            <tr key={`${d.version}-${d.active_from}`}>
              <td>
                <Time value={d.active_from} />
              </td>
              <td className="mono">{d.version}</td>
              <td>{d.action}</td>
              <td>{d.actor}</td>
              <td className="wrap">{d.reason || "—"}</td>
              <td className="mono">{d.previous_version ?? "—"}</td>
              <td>{d.active_until ? <Time value={d.active_until} /> : <strong>now</strong>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
