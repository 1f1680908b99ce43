import { PageHeader } from "../../../components/PageHeader";
import { MlPending } from "./MlPending";

/** Models: versions, metrics and the ML service's health (from /api/ml/models and /api/ml/health). */
export default function ModelsPage() {
  return (
    <>
      <PageHeader title="Models">Model versions with their metrics, and the ML service's health.</PageHeader>
      <section className="card" aria-labelledby="ml-service-heading">
        <h2 id="ml-service-heading">ML service</h2>
        <MlPending path="/api/ml/health" label="ML service health" />
      </section>
      <section className="card" aria-labelledby="models-heading">
        <h2 id="models-heading">Model versions</h2>
        <MlPending path="/api/ml/models" label="model versions" />
      </section>
    </>
  );
}
