import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { get, sendJson } from "../../../api/client";
import type { MlHealth, ModelList, ModelStatus, ModelVersion, TrainJob } from "../../../api/mlTypes";
import { DATA_EVERY } from "../../../lib/live";

const JOB_POLL_MS = 1_000;

/** The ML services' states (public). */
export function useMlHealth() {
  return useQuery({ queryKey: ["ml", "health"], queryFn: () => get<MlHealth>("/api/ml/health"), refetchInterval: DATA_EVERY });
}

/** Every model version, the active one and the deployment history. */
export function useModels() {
  return useQuery({ queryKey: ["ml", "models"], queryFn: () => get<ModelList>("/api/ml/models"), refetchInterval: DATA_EVERY });
}

/** The active model, its performance, the last scoring run and the latest training job. */
export function useModelStatus() {
  return useQuery({ queryKey: ["ml", "model-status"], queryFn: () => get<ModelStatus>("/api/ml/model-status"), refetchInterval: DATA_EVERY });
}

/** True while a training job still has work to do. */
export function jobRunning(job: TrainJob | null | undefined): boolean {
  return job?.status === "queued" || job?.status === "running";
}

/** A training job, polled every second until it succeeds or fails (admin). */
export function useTrainJob(jobId: string | null) {
  return useQuery({
    queryKey: ["ml", "train", jobId],
    queryFn: () => get<TrainJob>(`/api/ml/train/${encodeURIComponent(jobId ?? "")}`),
    enabled: jobId !== null,
    staleTime: 0,
    refetchInterval: (query) => (query.state.data && !jobRunning(query.state.data) ? false : JOB_POLL_MS),
  });
}

/** After a change of models: every ML view may answer differently. */
function useInvalidateMl() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: ["ml"] });
}

/** Start training (admin); the answer is the queued job to poll. */
export function useTrain() {
  return useMutation({
    mutationFn: ({ version, deploy }: { version: string; deploy: boolean }) => sendJson<TrainJob>("POST", "/api/ml/train", { deploy, version: version.trim() || null }),
  });
}

/** Activate a registered version (admin). */
export function useDeploy() {
  const invalidate = useInvalidateMl();
  return useMutation({
    mutationFn: ({ version, reason }: { version: string; reason: string }) =>
      sendJson<ModelVersion>("POST", `/api/ml/models/${encodeURIComponent(version)}/deploy`, { reason: reason.trim() }),
    onSuccess: invalidate,
  });
}

/** Reactivate ``version``, or the previously active one when empty (admin). */
export function useRollback() {
  const invalidate = useInvalidateMl();
  return useMutation({
    mutationFn: ({ version, reason }: { version: string; reason: string }) =>
      sendJson<ModelVersion>("POST", "/api/ml/models/rollback", { version: version || null, reason: reason.trim() }),
    onSuccess: invalidate,
  });
}

/** Refresh the model views once a training job has finished. */
export function useRefreshModels() {
  return useInvalidateMl();
}
