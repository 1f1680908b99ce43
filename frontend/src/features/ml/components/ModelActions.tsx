import { useEffect, useRef, useState } from "react";
import type { ModelList, ModelVersion, TrainJob } from "../../../api/mlTypes";
import { ConfirmDialog } from "../../../components/Dialog";
import { formatNumber } from "../../../lib/format";
import { jobRunning, useDeploy, useRefreshModels, useRollback, useTrain, useTrainJob } from "../api/models";

const STEPS = ["features", "fit", "metrics", "save", "deploy"];

function Reason({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  return (
    <label>
      Reason (kept in the deployment history)
      <textarea value={value} maxLength={2000} rows={2} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

/** Confirm deploying ``model`` in place of the active version. */
export function DeployDialog({ model, active, onClose }: { model: ModelVersion; active: string | null; onClose: () => void }) {
  const [reason, setReason] = useState("");
  const deploy = useDeploy();
  return (
    <ConfirmDialog
      title={`Deploy model ${model.version}?`}
      confirmLabel={`Deploy ${model.version}`}
      busy={deploy.isPending}
      error={deploy.error}
      onCancel={onClose}
      onConfirm={() => deploy.mutate({ version: model.version, reason }, { onSuccess: onClose })}
    >
      <p>
        {model.version} replaces {active ?? "no model"} as the active model. Its artifact is verified first; health scores and alerts are recomputed with it in the background.
      </p>
      <Reason value={reason} onChange={setReason} />
    </ConfirmDialog>
  );
}

/** Confirm a rollback to the previous version or a chosen one. */
export function RollbackDialog({ models, onClose }: { models: ModelList; onClose: () => void }) {
  const [version, setVersion] = useState("");
  const [reason, setReason] = useState("");
  const rollback = useRollback();
  const others = models.data.filter((m) => !m.is_active);
  return (
    <ConfirmDialog
      title="Roll back the active model?"
      confirmLabel="Roll back"
      danger
      busy={rollback.isPending}
      error={rollback.error}
      onCancel={onClose}
      onConfirm={() => rollback.mutate({ version, reason }, { onSuccess: onClose })}
    >
      <p>Reactivate an earlier version in place of {models.active_version ?? "the active model"}; scores are recomputed with it.</p>
      <label>
        Version
        <select value={version} onChange={(e) => setVersion(e.target.value)}>
          <option value="">The previously active version</option>
          {others.map((m) => (
            <option key={m.version} value={m.version}>
              {m.version}
            </option>
          ))}
        </select>
      </label>
      <Reason value={reason} onChange={setReason} />
    </ConfirmDialog>
  );
}

/** Confirm starting a training run on the store's history. */
export function TrainDialog({ onStarted, onClose }: { onStarted: (job: TrainJob) => void; onClose: () => void }) {
  const [version, setVersion] = useState("");
  const [deploy, setDeploy] = useState(false);
  const train = useTrain();
  return (
    <ConfirmDialog
      title="Train a new model?"
      confirmLabel="Start training"
      busy={train.isPending}
      error={train.error}
      onCancel={onClose}
      onConfirm={() =>
        train.mutate(
          { version, deploy },
          {
            onSuccess: (job) => {
              onStarted(job);
              onClose();
            },
          },
        )
      }
    >
      <p>Fits a new version on all telemetry in the store. It runs in the background; the page shows its progress.</p>
      <label>
        Version (optional)
        <input value={version} maxLength={64} placeholder="next patch version" onChange={(e) => setVersion(e.target.value)} />
      </label>
      <label className="inline-field">
        <input type="checkbox" checked={deploy} onChange={(e) => setDeploy(e.target.checked)} /> Deploy it when training succeeds
      </label>
    </ConfirmDialog>
  );
}

/** A training job's progress, polled until it ends; the model views refresh when it does. */
export function TrainProgress({ jobId }: { jobId: string }) {
  const job = useTrainJob(jobId);
  const refresh = useRefreshModels();
  const finished = job.data !== undefined && !jobRunning(job.data);
  const refreshed = useRef<string | null>(null);
  useEffect(() => {
    if (!finished || refreshed.current === jobId) return;
    refreshed.current = jobId; // once per job: the refresh re-renders this component
    void refresh();
  }, [finished, jobId, refresh]);
  if (job.isError)
    return (
      <p className="field-error" role="alert">
        Could not follow training job {jobId}: {String(job.error)}
      </p>
    );
  const data = job.data;
  const step = data?.step ? STEPS.indexOf(data.step) + 1 : 0;
  return (
    <div className={`train-progress train-${data?.status ?? "queued"}`} role="status" aria-live="polite">
      {!data || jobRunning(data) ? (
        <>
          <p>
            Training {data?.version ?? "a new version"}: {data?.status ?? "queued"}
            {data?.step ? `, step “${data.step}”` : ""}…
          </p>
          <progress max={STEPS.length} value={step} aria-label="Training progress" />
        </>
      ) : data.status === "succeeded" ? (
        <p>
          Training succeeded: version <strong>{String(data.result?.version ?? data.version)}</strong> in {formatNumber(Number(data.result?.seconds ?? 0), 1)} s
          {data.result?.deployed ? ", deployed" : ", not deployed"}.
        </p>
      ) : (
        <p className="field-error">Training failed: {data.error ?? "no reason given"}.</p>
      )}
    </div>
  );
}
