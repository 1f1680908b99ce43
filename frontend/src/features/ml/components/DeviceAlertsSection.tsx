import { useMemo } from "react";
import { Link } from "react-router";
import { sortAlerts } from "../alertSort";
import { useAlerts } from "../api/alerts";
import { AlertList } from "./AlertList";
import { MlQueryState } from "./MlState";

const LIMIT = 50;

/** A device's alerts, most urgent first (unresolved on top), with acknowledge and resolve for operators. */
export function DeviceAlertsSection({ deviceId }: { deviceId: string }) {
  const alerts = useAlerts({ severity: "", status: "", device: deviceId }, 1, LIMIT);
  const sorted = useMemo(() => sortAlerts(alerts.data?.data ?? [], "urgency", "asc"), [alerts.data]);
  return (
    <MlQueryState query={alerts} label="this device's alerts" isEmpty={(p) => p.pagination.total === 0} empty="No alert for this device.">
      {(p) => (
        <>
          <AlertList alerts={sorted} showDevice={false} label={`Alerts of ${deviceId}, most urgent first`} />
          <p className="hint">
            {p.pagination.total > LIMIT ? `The newest ${LIMIT} of ${p.pagination.total} alerts. ` : ""}
            <Link to={`/alerts?device=${encodeURIComponent(deviceId)}`}>This device on the Alerts page</Link>
          </p>
        </>
      )}
    </MlQueryState>
  );
}
