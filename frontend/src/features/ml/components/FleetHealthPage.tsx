import { PageHeader } from "../../../components/PageHeader";
import { MlPending } from "./MlPending";

/** Fleet health: every device's health score (from /api/ml/health-scores). */
export default function FleetHealthPage() {
  return (
    <>
      <PageHeader title="Fleet health">Health score, components, confidence and top factor of every device.</PageHeader>
      <section className="card">
        <MlPending path="/api/ml/health-scores" label="health scores" />
      </section>
    </>
  );
}
