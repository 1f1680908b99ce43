import type { Deployment, ModelVersion } from "../../../api/mlTypes";
import { SortHeaders } from "../../../components/SortHeader";
import { Time } from "../../../components/Time";
import { formatCount, formatNumber, formatPercent } from "../../../lib/format";
import { type Column, useSortedRows } from "../../../lib/table";

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

type VersionKey = "version" | "registered" | "trained" | "accuracy" | "precision" | "recall" | "latency" | "sha";
const VERSION_COLUMNS: Column<ModelVersion, VersionKey>[] = [
  { key: "version", label: "Version", value: (m) => m.version },
  { key: "registered", label: "Registered", value: (m) => m.registered_at, first: "desc" },
  { key: "trained", label: "Trained on", value: (m) => (m.training_data as { telemetry_rows?: number }).telemetry_rows, first: "desc" },
  { key: "accuracy", label: "Accuracy", value: (m) => metric(m, "accuracy"), first: "desc", numeric: true },
  { key: "precision", label: "Precision", value: (m) => metric(m, "precision"), first: "desc", numeric: true },
  { key: "recall", label: "Recall", value: (m) => metric(m, "recall"), first: "desc", numeric: true },
  { key: "latency", label: "Latency", value: (m) => metric(m, "latency_ms"), numeric: true },
  { key: "sha", label: "SHA-256", value: (m) => m.sha256 },
];
const byVersion = (m: ModelVersion) => m.version;

/** Every version with its metrics, the active one marked; admins get a deploy button per inactive version. */
export function VersionsTable({ models, onDeploy }: { models: ModelVersion[]; onDeploy?: (model: ModelVersion) => void }) {
  const table = useSortedRows(models, VERSION_COLUMNS, "registered", byVersion, "version");
  const sorted = table.rows;
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Versions and metrics">
      <table>
        <thead>
          <tr>
            <SortHeaders columns={VERSION_COLUMNS} sort={table.sort.sort} order={table.sort.order} onSort={table.onSort} />
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

type DeploymentKey = "from" | "version" | "action" | "by" | "reason" | "replaced" | "until";
const DEPLOYMENT_COLUMNS: Column<Deployment, DeploymentKey>[] = [
  { key: "from", label: "Active from", value: (d) => d.active_from, first: "desc" },
  { key: "version", label: "Version", value: (d) => d.version },
  { key: "action", label: "Action", value: (d) => d.action },
  { key: "by", label: "By", value: (d) => d.actor },
  { key: "reason", label: "Reason", value: (d) => d.reason },
  { key: "replaced", label: "Replaced", value: (d) => d.previous_version },
  { key: "until", label: "Active until", value: (d) => d.active_until ?? "9999", first: "desc" },
];
const byStart = (d: Deployment) => `${d.active_from} ${d.version}`;

/** Every switch of the active model, newest first unless sorted otherwise. */
export function DeploymentHistory({ deployments }: { deployments: Deployment[] }) {
  const table = useSortedRows(deployments, DEPLOYMENT_COLUMNS, "from", byStart, "deploy");
  const sorted = table.rows;
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Deployment history">
      <table>
        <thead>
          <tr>
            <SortHeaders columns={DEPLOYMENT_COLUMNS} sort={table.sort.sort} order={table.sort.order} onSort={table.onSort} />
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
