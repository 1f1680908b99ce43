import type { IssueType, ModelStatus, PrecisionSlice } from "../../../api/mlTypes";
import { SortHeaders } from "../../../components/SortHeader";
import { formatPercent } from "../../../lib/format";
import { type Column, sortRows, type TableSort, useSortedRows } from "../../../lib/table";
import { ISSUE_LABEL } from "../labels";

type PrecisionKey = "slice" | "judged" | "confirmed" | "maintenance" | "false_alarm" | "precision";
const sliceName = (s: PrecisionSlice) => (s.model_version ? `model ${s.model_version}` : `${s.issue_type ? (ISSUE_LABEL[s.issue_type as IssueType] ?? s.issue_type) : "?"} alerts`);
const COLUMNS: Column<PrecisionSlice, PrecisionKey>[] = [
  { key: "slice", label: "Model version / alert type", value: sliceName },
  { key: "judged", label: "Judged", value: (s) => s.judged, first: "desc", numeric: true },
  { key: "confirmed", label: "Confirmed fault", value: (s) => s.outcomes.confirmed_fault, first: "desc", numeric: true },
  { key: "maintenance", label: "Maintenance done", value: (s) => s.outcomes.maintenance_done, first: "desc", numeric: true },
  { key: "false_alarm", label: "False alarm", value: (s) => s.outcomes.false_alarm, first: "desc", numeric: true },
  { key: "precision", label: "Precision", value: (s) => s.precision, first: "desc", numeric: true },
];

function Rows({ slices, sort }: { slices: PrecisionSlice[]; sort: TableSort<PrecisionKey> }) {
  const column = COLUMNS.find((c) => c.key === sort.sort) ?? COLUMNS[0];
  return (
    <>
      {sortRows(slices, column.value, sort.order, sliceName).map((s) => (
        <tr key={sliceName(s)}>
          <th scope="row">{sliceName(s)}</th>
          <td className="num">{s.judged}</td>
          <td className="num">{s.outcomes.confirmed_fault}</td>
          <td className="num">{s.outcomes.maintenance_done}</td>
          <td className="num">{s.outcomes.false_alarm}</td>
          <td className="num">{s.precision === null ? "—" : formatPercent(s.precision * 100)}</td>
        </tr>
      ))}
    </>
  );
}

const NONE: PrecisionSlice[] = [];

/** Live precision from operators' resolutions, per model version and per alert type (each group sorted). */
export function LivePrecision({ status }: { status: ModelStatus }) {
  const table = status.alert_precision;
  const { sort, onSort } = useSortedRows(NONE, COLUMNS, "slice", sliceName, "precision");
  if (!table || table.by_model_version.length === 0) return <p className="hint">No alert has been resolved with an outcome yet.</p>;
  return (
    <div className="table-scroll" role="region" aria-label="Live precision" tabIndex={0}>
      <table>
        <thead>
          <tr>
            <SortHeaders columns={COLUMNS} sort={sort.sort} order={sort.order} onSort={onSort} />
          </tr>
        </thead>
        <tbody>
          <Rows slices={table.by_model_version} sort={sort} />
          <Rows slices={table.by_issue_type} sort={sort} />
        </tbody>
      </table>
    </div>
  );
}
