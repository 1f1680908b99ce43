// Realistic /api/ml answers for component tests (shapes as in backend/app/schemas/ml*.py).
import type { Alert, DeviceHealth, HealthScoresPage, ModelList, ModelVersion, Thresholds } from "../api/mlTypes";

export const THRESHOLDS: Thresholds = { alert: 70, medium: 70, high: 50, critical: 30 };

/** A healthy device unless overridden. */
export function deviceHealth(device_id: string, overrides: Partial<DeviceHealth> = {}): DeviceHealth {
  return {
    device_id,
    day: "2025-08-04",
    health_score: 100,
    component_scores: { current_stability: 100, battery_performance: 100, gps_reliability: 100, telemetry_quality: 100 },
    confidence: 1,
    confidence_interval: [100, 100],
    status: "healthy",
    worst_component: "battery_performance",
    predicted_failure: null,
    explanatory_factors: [],
    findings: [],
    model_version: "1.0.0",
    last_seen: "2025-08-04T16:59:00Z",
    ...overrides,
  };
}

export const BATTERY_FACTOR: DeviceHealth["explanatory_factors"][number] = {
  feature: "drain_per_hour",
  component: "battery_performance",
  direction: "higher",
  effect: "lowers",
  value: 20.3,
  baseline: 1.6,
  baseline_kind: "fleet",
  wear: 0.6,
  trend_per_day: 0.02,
  contribution: 27.6,
  description: "The battery drains 20.3 % per operating hour against 1.6 % in the fleet.",
};

/** A degrading device: low battery component, a factor, a 7-day forecast crossing HIGH. */
export function degrading(device_id = "b4b9bb52"): DeviceHealth {
  return deviceHealth(device_id, {
    health_score: 64.15,
    status: "degraded",
    confidence: 0.9999,
    confidence_interval: [64.14, 64.15],
    component_scores: { current_stability: 100, battery_performance: 10.37, gps_reliability: 100, telemetry_quality: 100 },
    explanatory_factors: [BATTERY_FACTOR],
  });
}

/** The health-scores body for ``data``. */
export function healthPage(data: DeviceHealth[], thresholds: Thresholds = THRESHOLDS): HealthScoresPage {
  return {
    data,
    metadata: {
      count: data.length,
      as_of: "2025-08-04T16:59:00Z",
      computed_at: "2025-08-05T06:00:00Z",
      model_version: "1.0.0",
      stale: false,
      refreshing: false,
      processing_time_ms: 120,
      timings_ms: { total: 120 },
      feature_quality: { feature_quality: 1, extraction_success_rate: 1, missing_data_share: 0, devices: data.length, rows: data.length * 30 },
      processing: { devices: data.length, batches: 1, batch_size: 100, parallel: false, max_workers: 1, workers: [], blas_threads: null },
      include_debug: false,
      thresholds,
      include_trends: false,
      days_history: 30,
    },
  };
}

/** An open HIGH battery alert unless overridden. */
export function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    alert_id: "a-1",
    device_id: "b4b9bb52",
    kind: "degradation",
    severity: "HIGH",
    predicted_issue_type: "battery",
    predicted_timeframe: "1-8 days",
    evidence_at: "2025-08-04T16:59:00Z",
    predicted_failure_at: "2025-08-09T12:00:00Z",
    predicted_earliest_at: "2025-08-05T12:00:00Z",
    predicted_latest_at: "2025-08-12T12:00:00Z",
    recommended_actions: ["Order a replacement pod battery"],
    confidence: 0.9999,
    health_score: 64.15,
    health_trend_context: {},
    model_version: "1.0.0",
    created_at: "2025-08-04T16:59:00Z",
    updated_at: "2025-08-04T16:59:00Z",
    status: "open",
    acknowledged_by: null,
    acknowledged_at: null,
    acknowledged_notes: null,
    resolved_by: null,
    resolved_at: null,
    outcome: null,
    resolution_notes: null,
    ...overrides,
  };
}

/** The alerts body for ``alerts`` (one page). */
export function alertPage(alerts: Alert[], limit = 20) {
  return { data: alerts, pagination: { page: 1, limit, total: alerts.length, pages: Math.max(1, Math.ceil(alerts.length / limit)) } };
}

/** A registered model version. */
export function modelVersion(version: string, is_active: boolean): ModelVersion {
  return {
    version,
    sha256: "723ee8d5778c402b87dcf4666fc7846efd1162f060a82f4a4f48d553f693be90",
    created_at: "2025-08-05T06:00:00Z",
    registered_at: version === "1.0.0" ? "2025-08-05T06:00:00Z" : "2025-08-05T07:00:00Z",
    is_active,
    model_class: "app.ml.models.health_scoring.HealthModel",
    features: ["amp_level_dev", "drain_per_hour"],
    metrics: { accuracy: 0.9, precision: 0.75, recall: null, latency_ms: 12.34 },
    training_data: { days: 35, devices: 16, telemetry_rows: 48679 },
    settings: {},
  };
}

/** Two versions, 1.0.0 active, one deployment. */
export function modelList(): ModelList {
  return {
    data: [modelVersion("1.0.0", true), modelVersion("1.0.1", false)],
    active_version: "1.0.0",
    deployments: [
      { version: "1.0.0", previous_version: null, action: "deploy", actor: "system", reason: "initial model", active_from: "2025-08-05T06:00:00Z", active_until: null },
    ],
  };
}

export const ML_HEALTH = {
  status: "healthy",
  ml_enabled: true,
  services: { feature_engineering: "ready", health_scoring: "ready", predictive_alerts: "ready", model_manager: "ready" },
  last_updated: "2025-08-05T06:00:00Z",
};

export const STATISTICS = {
  alerts: { total: 1, by_severity: { HIGH: 1 }, by_status: { open: 1, acknowledged: 0, resolved: 0 }, by_issue_type: { battery: 1 }, outcomes: {}, precision: null },
};

/** The /api/v1/fleet/status body: each device's shown status from its model status and alerts. */
export function fleetStatus(devices: DeviceHealth[], alerts: Alert[] = []) {
  const rank = { healthy: 0, idle: 1, insufficient_data: 2, watch: 3, degraded: 4, critical: 5, offline_likely_failed: 6 } as const;
  const implied = { LOW: "watch", MEDIUM: "watch", HIGH: "degraded", CRITICAL: "critical" } as const;
  return {
    ml_available: true,
    ml_message: null,
    as_of: "2025-08-04T16:59:00Z",
    devices: devices.map((d) => {
      const mine = alerts.filter((a) => a.device_id === d.device_id && a.status !== "resolved");
      const statuses = [d.status, ...mine.map((a) => (a.kind === "offline" ? "offline_likely_failed" : implied[a.severity]))];
      const status = statuses.reduce((x, y) => (rank[y as keyof typeof rank] > rank[x as keyof typeof rank] ? y : x));
      const top = mine[0];
      return {
        device_id: d.device_id,
        status,
        model_status: d.status,
        health_score: d.health_score,
        reason: d.explanatory_factors[0]?.description ?? d.findings[0]?.description ?? null,
        predicted_failure_at: top?.predicted_failure_at ?? null,
        last_seen: d.last_seen,
        lat: 52.5,
        lon: 13.4,
        alert: top
          ? {
              alert_id: top.alert_id,
              severity: top.severity,
              kind: top.kind,
              status: top.status,
              predicted_issue_type: top.predicted_issue_type,
              predicted_failure_at: top.predicted_failure_at,
              acknowledged_by: top.acknowledged_by,
              acknowledged_at: top.acknowledged_at,
            }
          : null,
        open_alerts: mine.length,
      };
    }),
  };
}
