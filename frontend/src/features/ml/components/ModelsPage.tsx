import "../ml.css";
import { useState } from "react";
import type { MlHealth, ModelList, ModelStatus, ModelVersion } from "../../../api/mlTypes";
import { hasRole, useAuth } from "../../../auth/session";
import { Kpi, KpiGrid } from "../../../components/Kpi";
import { LastUpdated } from "../../../components/LastUpdated";
import { PageHeader } from "../../../components/PageHeader";
import { Empty } from "../../../components/States";
import { Time } from "../../../components/Time";
import { formatNumber, formatPercent } from "../../../lib/format";
import { DATA_EVERY } from "../../../lib/live";
import { jobRunning, useMlHealth, useModels, useModelStatus } from "../api/models";
import { DeployDialog, RollbackDialog, TrainDialog, TrainProgress } from "./ModelActions";
import { DeploymentHistory, VersionsTable } from "./ModelTables";
import { LivePrecision } from "./LivePrecision";
import { MlQueryState } from "./MlState";

const SERVICE_LABEL: Record<keyof MlHealth["services"], string> = {
  feature_engineering: "Feature engineering",
  health_scoring: "Health scoring",
  predictive_alerts: "Predictive alerts",
  model_manager: "Model manager",
};

function ServiceHealth({ health }: { health: MlHealth }) {
  return (
    <>
      <p>
        <span className={`badge service-${health.status}`}>{health.status}</span> last updated <Time value={health.last_updated} />
      </p>
      <dl className="stat-list service-list">
        {(Object.keys(SERVICE_LABEL) as (keyof MlHealth["services"])[]).map((key) => (
          <div key={key} className="service-row">
            <dt>{SERVICE_LABEL[key]}</dt>
            <dd>
              <span className={`badge service-${health.services[key]}`}>{health.services[key].replace("_", " ")}</span>
            </dd>
          </div>
        ))}
      </dl>
    </>
  );
}

const fraction = (value: number | null | undefined) => (value === null || value === undefined ? "—" : formatPercent(value * 100));

function ActiveModel({ status }: { status: ModelStatus }) {
  const { active, performance, last_run: run } = status;
  return (
    <>
      <KpiGrid label="Active model">
        <Kpi
          label="Active version"
          value={active?.version ?? "none"}
          note={
            active?.deployed_at ? (
              <>
                since <Time value={active.deployed_at} /> by {active.deployed_by}
              </>
            ) : undefined
          }
        />
        <Kpi label="Precision / recall" value={`${fraction(performance?.precision)} / ${fraction(performance?.recall)}`} note="judged by operators or ground truth" />
        <Kpi label="Scoring latency" value={performance?.latency_ms === null || performance?.latency_ms === undefined ? "—" : `${formatNumber(performance.latency_ms, 1)} ms`} />
        <Kpi
          label="Last scoring run"
          value={run ? <Time value={run.computed_at} /> : "—"}
          note={run ? `${formatNumber(run.processing_time_ms, 0)} ms${run.refreshing ? ", refreshing" : run.stale ? ", stale" : ""}` : undefined}
        />
      </KpiGrid>
      {status.last_error && (
        <p className="state state-error" role="alert">
          The last refresh failed: {status.last_error}
        </p>
      )}
    </>
  );
}

type Dialog = { kind: "train" } | { kind: "rollback" } | { kind: "deploy"; model: ModelVersion } | null;

function Versions({ models, admin, status }: { models: ModelList; admin: boolean; status: ModelStatus | undefined }) {
  const [dialog, setDialog] = useState<Dialog>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const latest = status?.latest_training;
  const followed = jobId ?? (latest && jobRunning(latest) ? latest.job_id : null);
  const close = () => setDialog(null);
  return (
    <>
      {admin && (
        <div className="toolbar" role="group" aria-label="Model actions">
          <button type="button" onClick={() => setDialog({ kind: "train" })}>
            Train a new model
          </button>
          <button type="button" className="secondary" onClick={() => setDialog({ kind: "rollback" })} disabled={models.data.length < 2}>
            Roll back…
          </button>
        </div>
      )}
      {admin && followed && <TrainProgress jobId={followed} />}
      {models.data.length === 0 ? (
        <Empty>No model is registered yet.{admin ? " Train one to start scoring." : " An admin can train one."}</Empty>
      ) : (
        <VersionsTable models={models.data} onDeploy={admin ? (model) => setDialog({ kind: "deploy", model }) : undefined} />
      )}
      {!admin && <p className="hint">Only admins train, deploy and roll back models.</p>}
      <h3>Deployment history</h3>
      <DeploymentHistory deployments={models.deployments} />
      {dialog?.kind === "train" && <TrainDialog onStarted={(job) => setJobId(job.job_id)} onClose={close} />}
      {dialog?.kind === "rollback" && <RollbackDialog models={models} onClose={close} />}
      {dialog?.kind === "deploy" && <DeployDialog model={dialog.model} active={models.active_version} onClose={close} />}
    </>
  );
}

/** Models: the ML service's health, the active model, every version and the deployment history. */
export default function ModelsPage() {
  const health = useMlHealth();
  const models = useModels();
  const status = useModelStatus();
  const admin = hasRole(useAuth().session?.role, "admin");
  return (
    <>
      <PageHeader title="Models">Model versions with their metrics, deployments, and the ML service's health.</PageHeader>
      <LastUpdated queries={[health, models, status]} every={DATA_EVERY} />
      <div className="grid-2">
        <section className="card" aria-labelledby="ml-service-heading">
          <h2 id="ml-service-heading">ML service</h2>
          <MlQueryState query={health} label="ML service health">
            {(h) => <ServiceHealth health={h} />}
          </MlQueryState>
        </section>
        <section className="card" aria-labelledby="active-model-heading">
          <h2 id="active-model-heading">Active model</h2>
          <MlQueryState query={status} label="the active model">
            {(s) => <ActiveModel status={s} />}
          </MlQueryState>
        </section>
      </div>
      <section className="card" aria-labelledby="live-precision-heading">
        <h2 id="live-precision-heading">Live precision (operators' outcomes)</h2>
        <MlQueryState query={status} label="live precision">
          {(s) => <LivePrecision status={s} />}
        </MlQueryState>
      </section>
      <section className="card" aria-labelledby="models-heading">
        <h2 id="models-heading">Model versions</h2>
        <MlQueryState query={models} label="model versions">
          {(m) => <Versions models={m} admin={admin} status={status.data} />}
        </MlQueryState>
      </section>
    </>
  );
}
