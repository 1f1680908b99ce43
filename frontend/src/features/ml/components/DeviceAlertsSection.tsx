import { Link } from "react-router";
import { useAlerts } from "../api/alerts";
import { AlertList } from "./AlertList";
import { MlQueryState } from "./MlState";

const LIMIT = 20;

/** A device's alerts, newest first, with acknowledge and resolve for operators. */
export function DeviceAlertsSection({ deviceId }: { deviceId: string }) {
  const alerts = useAlerts({ severity: "", status: "", device: deviceId }, 1, LIMIT);
  return (
    <MlQueryState query={alerts} label="this device's alerts" isEmpty={(p) => p.pagination.total === 0} empty="No alerts for this device.">
      {(p) => (
        <>
          <AlertList alerts={p.data} showDevice={false} label={`Alerts of ${deviceId}`} />
          <p className="hint">
            {p.pagination.total > LIMIT ? `The newest ${LIMIT} of ${p.pagination.total} alerts. ` : ""}
            <Link to={`/alerts?device=${encodeURIComponent(deviceId)}`}>This device on the Alerts page</Link>
          </p>
        </>
      )}
    </MlQueryState>
  );
}
