// Hand-written mirrors of the backend's response schemas (backend/app/schemas/*.py).
// Timestamps arrive as ISO 8601 strings in UTC.

export type Role = "pod" | "viewer" | "operator" | "admin";

export interface Health {
  status: "ok" | "degraded";
  version: string;
  telemetry_store: "ok" | "busy" | "unavailable";
  database: "ok" | "busy" | "unavailable";
}

export interface TokenResponse {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  role: Role;
}

export interface PrincipalRead {
  name: string;
  role: Role;
  kind: "user" | "api_key";
}

export type UserRole = "viewer" | "operator" | "admin";

export interface UserRead {
  id: number;
  username: string;
  role: Role;
  active: boolean;
  created_at: string;
}

export interface UserCreate {
  username: string;
  role: UserRole;
  password: string;
}

export interface DeviceSummary {
  device_id: string;
  first_seen: string;
  last_seen: string;
  sessions: number;
  samples: number;
  drilling_hours: number;
  last_battery: number;
  last_lat: number | null;
  last_lon: number | null;
}

export interface Page {
  total: number;
  limit: number;
  offset: number;
}

export interface DeviceList extends Page {
  devices: DeviceSummary[];
}

export interface SessionRead {
  session_id: string;
  device_id: string;
  start_ts: string;
  end_ts: string;
  duration_s: number;
  samples: number;
  expected_samples: number;
  lost_samples: number;
  off_samples: number;
  standby_samples: number;
  spin_samples: number;
  drill_samples: number;
  drilling_s: number;
  tagged: boolean;
  ble_ids: string[];
  centroid_lat: number | null;
  centroid_lon: number | null;
  last_lat: number | null;
  last_lon: number | null;
  missing_gps: number;
  battery_start: number;
  battery_end: number;
  battery_min: number;
  low_battery_samples: number;
  low_battery: boolean;
  avg_current: number;
  max_current: number;
  std_current: number | null;
}

export interface SessionPage extends Page {
  sessions: SessionRead[];
}

export interface TimelineEntry {
  day: string;
  device_id: string;
  sessions: number;
  drilling_hours: number;
  session_hours: number;
  tagged_sessions: number;
}

export interface Timeline extends Page {
  entries: TimelineEntry[];
}

export type OperatingState = "OFF" | "STANDBY" | "SPIN" | "DRILL";

export interface StateShare {
  state: OperatingState;
  samples: number;
  share_pct: number;
  hours: number;
}

export interface AnomalyCounts {
  short_sessions: number;
  lost_sample_sessions: number;
  lost_samples: number;
  missing_gps_sessions: number;
  missing_gps_samples: number;
  low_battery_sessions: number;
  low_battery_samples: number;
}

export interface SessionLocation {
  session_id: string;
  device_id: string;
  start_ts: string;
  lat: number;
  lon: number;
  drilling_hours: number;
}

export interface Insights {
  start: string | null;
  end: string | null;
  devices: number;
  sessions: number;
  drilling_hours: number;
  session_hours: number;
  average_session_minutes: number;
  tagged_sessions: number;
  tagged_pct: number;
  states: StateShare[];
  low_battery_events: number;
  anomalies: AnomalyCounts;
  locations: { total: number; points: SessionLocation[] };
}

export type AnomalyKind = "short_session" | "lost_samples" | "missing_gps" | "low_battery";

export interface AnomalyItem {
  kind: AnomalyKind;
  session_id: string;
  device_id: string;
  start_ts: string;
  end_ts: string;
  duration_s: number;
  samples: number;
  lost_samples: number;
  missing_gps: number;
  battery_min: number;
}

export interface AnomalyPage extends Page {
  counts: AnomalyCounts;
  items: AnomalyItem[];
}

export type BatteryPeriod = "hour" | "day" | "week";

export interface BatteryPoint {
  device_id: string;
  bucket_start: string;
  avg_battery: number;
  min_battery: number;
  max_battery: number;
  samples: number;
}

export interface BatteryTrends {
  period: BatteryPeriod;
  bucket_seconds: number | null;
  devices: number;
  truncated: boolean;
  points: BatteryPoint[];
}

/** One audited action (backend/app/schemas/audit.py). */
export interface AuditEvent {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  source: string | null;
}

export interface AuditPage {
  items: AuditEvent[];
  total: number;
  limit: number;
  offset: number;
}
