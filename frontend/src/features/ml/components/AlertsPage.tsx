import { PageHeader } from "../../../components/PageHeader";
import { MlPending } from "./MlPending";

/** Alerts: predictive alerts with their lifecycle (from /api/ml/alerts). */
export default function AlertsPage() {
  return (
    <>
      <PageHeader title="Alerts">Predicted issues by severity, status and device.</PageHeader>
      <section className="card">
        <MlPending path="/api/ml/alerts" label="alerts" />
      </section>
    </>
  );
}
