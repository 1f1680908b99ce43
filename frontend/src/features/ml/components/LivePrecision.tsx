import type { IssueType, ModelStatus, PrecisionSlice } from "../../../api/mlTypes";
import { formatPercent } from "../../../lib/format";
import { ISSUE_LABEL } from "../labels";

function Rows({ slices, label }: { slices: PrecisionSlice[]; label: (s: PrecisionSlice) => string }) {
  return (
    <>
      {slices.map((s) => (
        <tr key={label(s)}>
          <th scope="row">{label(s)}</th>
          <td>{s.judged}</td>
          <td>{s.outcomes.confirmed_fault}</td>
          <td>{s.outcomes.maintenance_done}</td>
          <td>{s.outcomes.false_alarm}</td>
          <td>{s.precision === null ? "—" : formatPercent(s.precision * 100)}</td>
        </tr>
      ))}
    </>
  );
}

/** Live precision from operators' resolutions, per model version and per alert type. */
export function LivePrecision({ status }: { status: ModelStatus }) {
  const table = status.alert_precision;
  if (!table || table.by_model_version.length === 0) return <p className="hint">No alert has been resolved with an outcome yet.</p>;
  return (
    <div className="table-scroll" role="region" aria-label="Live precision" tabIndex={0}>
      <table>
        <thead>
          <tr>
            <th scope="col">Model version / alert type</th>
            <th scope="col">Judged</th>
            <th scope="col">Confirmed fault</th>
            <th scope="col">Maintenance done</th>
            <th scope="col">False alarm</th>
            <th scope="col">Precision</th>
          </tr>
        </thead>
        <tbody>
          <Rows slices={table.by_model_version} label={(s) => `model ${s.model_version}`} />
          <Rows slices={table.by_issue_type} label={(s) => `${s.issue_type ? (ISSUE_LABEL[s.issue_type as IssueType] ?? s.issue_type) : "?"} alerts`} />
        </tbody>
      </table>
    </div>
  );
}
