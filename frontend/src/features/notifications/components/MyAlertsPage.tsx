import { useState } from "react";
import { Link } from "react-router";
import { PageHeader } from "../../../components/PageHeader";
import { QueryState } from "../../../components/States";
import { Time } from "../../../components/Time";
import { useMyAlerts } from "../api";

/** The alerts assigned to the signed-in operator, soonest due first. */
export default function MyAlertsPage() {
  const [withResolved, setWithResolved] = useState(false);
  const mine = useMyAlerts(withResolved);
  return (
    <>
      <PageHeader title="My alerts">Alerts assigned to you, soonest due first.</PageHeader>
      <label className="choice">
        <input type="checkbox" checked={withResolved} onChange={(e) => setWithResolved(e.target.checked)} /> Include resolved
      </label>
      <section className="card" aria-labelledby="mine-heading">
        <h2 id="mine-heading">Assigned to me</h2>
        <QueryState query={mine} label="your alerts" isEmpty={(l) => l.length === 0} empty="Nothing is assigned to you.">
          {(list) => (
            <ul className="alert-list" aria-label="My alerts">
              {list.map(({ alert, due_at, overdue, assigned_by }) => (
                <li key={alert.alert_id} className={`alert-item severity-edge-${alert.severity.toLowerCase()}`}>
                  <strong>
                    {alert.severity} {alert.predicted_issue_type}
                  </strong>{" "}
                  on{" "}
                  <Link to={`/alerts?device=${encodeURIComponent(alert.device_id)}`} className="mono">
                    {alert.device_id}
                  </Link>{" "}
                  ({alert.status}), assigned by {assigned_by}
                  {due_at ? (
                    <>
                      , due <Time value={due_at} />
                      {overdue && <strong className="field-error"> overdue</strong>}
                    </>
                  ) : (
                    ", no due date"
                  )}
                </li>
              ))}
            </ul>
          )}
        </QueryState>
      </section>
    </>
  );
}
