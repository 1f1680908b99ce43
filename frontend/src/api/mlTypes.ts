// Hand-written mirrors of backend/app/schemas/ml.py and ml_models.py (the /api/ml bodies).
// Timestamps are ISO 8601 strings in UTC; ``date`` fields are UTC calendar days.

export type HealthStatus = "healthy" | "watch" | "degraded" | "critical" | "insufficient_data";
export type ServiceState = "ready" | "not_ready" | "error" | "disabled";
export type Severity = "LOW" | "MEDIUM" | "HIGH" | "CRITICAL";
export type AlertStatus = "open" | "acknowledged" | "resolved";
export type Outcome = "confirmed_fault" | "false_alarm" | "maintenance_done";
export type IssueType = "motor" | "battery" | "gps" | "telemetry";

export interface MlHealth {
  status: "healthy" | "degraded" | "disabled";
  ml_enabled: boolean;
  services: Record<"feature_engineering" | "health_scoring" | "predictive_alerts" | "model_manager", ServiceState>;
  last_updated: string;
}

export type ComponentKey = "current_stability" | "battery_performance" | "gps_reliability" | "telemetry_quality";

export type ComponentScores = Record<ComponentKey, number | null>;

export interface ExplanatoryFactor {
  feature: string;
  component: string;
  direction: "higher" | "lower";
  value: number | null;
  baseline: number | null;
  baseline_kind: "device" | "fleet";
  contribution: number;
  description: string;
}

export interface Finding {
  type: string;
  finding: string;
  description: string;
  [extra: string]: unknown;
}

export interface TrendPoint extends ComponentScores {
  date: string;
  health_score: number | null;
  confidence: number;
  status: HealthStatus;
}

export interface ForecastPoint {
  date: string;
  health_score: number;
  lower: number;
  upper: number;
}

export type ThresholdName = "alert" | "medium" | "high" | "critical";

export interface HealthForecast {
  horizon_days: number;
  slope_per_day: number | null;
  health_at_horizon: number | null;
  interval_at_horizon: (number | null)[];
  days_to_threshold: Partial<Record<ThresholdName, number | null>>;
  timeframe: Partial<Record<ThresholdName, string | null>>;
  series: ForecastPoint[];
}

export interface DeviceHealth {
  device_id: string;
  day: string;
  health_score: number | null;
  component_scores: ComponentScores;
  confidence: number;
  confidence_interval: (number | null)[];
  status: HealthStatus;
  explanatory_factors: ExplanatoryFactor[];
  findings: Finding[];
  model_version: string;
  last_seen: string | null;
  trend?: TrendPoint[];
  forecast?: HealthForecast;
}

export type Thresholds = Record<ThresholdName, number>;

export interface HealthScoresMetadata {
  count: number;
  as_of: string | null;
  computed_at: string;
  model_version: string;
  stale: boolean;
  refreshing: boolean;
  processing_time_ms: number;
  thresholds?: Thresholds;
  include_trends: boolean;
  days_history: number;
}

export interface HealthScoresPage {
  data: DeviceHealth[];
  metadata: HealthScoresMetadata;
}

export interface Alert {
  alert_id: string;
  device_id: string;
  severity: Severity;
  predicted_issue_type: IssueType;
  predicted_timeframe: string;
  recommended_actions: string[];
  confidence: number;
  health_score: number;
  health_trend_context: Record<string, unknown>;
  model_version: string | null;
  created_at: string;
  updated_at: string;
  status: AlertStatus;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  acknowledged_notes: string | null;
  resolved_by: string | null;
  resolved_at: string | null;
  outcome: Outcome | null;
  resolution_notes: string | null;
}

export interface AlertPage {
  data: Alert[];
  pagination: { page: number; limit: number; total: number; pages: number };
}

export interface ModelVersion {
  version: string;
  sha256: string;
  created_at: string;
  registered_at: string;
  is_active: boolean;
  model_class: string;
  features: string[];
  metrics: Record<string, unknown>;
  training_data: Record<string, unknown>;
  settings: Record<string, unknown>;
}

export interface Deployment {
  version: string;
  previous_version: string | null;
  action: string;
  actor: string;
  reason: string;
  active_from: string;
  active_until: string | null;
}

export interface ModelList {
  data: ModelVersion[];
  active_version: string | null;
  deployments: Deployment[];
}

export interface TrainJob {
  job_id: string;
  requested_by: string;
  deploy: boolean;
  version: string | null;
  status: "queued" | "running" | "succeeded" | "failed";
  step: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  result: { version?: string; deployed?: boolean; seconds?: number; [key: string]: unknown } | null;
}

/** Operators' verdicts on one slice of alerts (a model version, a type, or both). */
export interface PrecisionSlice {
  model_version: string | null;
  issue_type: IssueType | null;
  outcomes: Record<Outcome, number>;
  judged: number;
  precision: number | null;
}

export interface ModelStatus {
  alert_precision?: { by_model_version: PrecisionSlice[]; by_issue_type: PrecisionSlice[]; by_version_and_type: PrecisionSlice[] } | null;
  ml_enabled: boolean;
  active: (ModelVersion & { deployed_at: string | null; deployed_by: string | null; deploy_reason: string | null }) | null;
  performance: {
    version: string;
    accuracy: number | null;
    precision: number | null;
    recall: number | null;
    latency_ms: number | null;
    latency_samples: number;
  } | null;
  last_run: {
    computed_at: string;
    as_of: string | null;
    model_version: string;
    age_seconds: number;
    stale: boolean;
    refreshing: boolean;
    processing_time_ms: number;
  } | null;
  last_error: string | null;
  latest_training: TrainJob | null;
}

export interface MlStatistics {
  alerts: {
    total: number;
    by_severity: Record<string, number>;
    by_status: Record<string, number>;
    by_issue_type: Record<string, number>;
    outcomes: Record<string, number>;
    precision: number | null;
  };
}
