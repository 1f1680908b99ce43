// Names for the API's bodies, all derived from schema.d.ts, which `make types` generates
// from the backend's OpenAPI (`make lint` fails when it is stale). Never write a body by hand.
import type { components, operations } from "./schema";

type Schemas = components["schemas"];
type Query<Op extends keyof operations> = NonNullable<operations[Op]["parameters"]["query"]>;

export type Role = Schemas["PrincipalRead"]["role"];
export type Health = Schemas["HealthRead"];
export type TokenResponse = Schemas["TokenResponse"];
export type PrincipalRead = Schemas["PrincipalRead"];
export type UserRole = Schemas["UserCreate"]["role"];
export type UserRead = Schemas["UserRead"];
export type UserCreate = Schemas["UserCreate"];
export type DeviceSummary = Schemas["DeviceSummary"];
export type DeviceList = Schemas["DeviceList"];
export type SessionRead = Schemas["SessionRead"];
export type SessionPage = Schemas["SessionPage"];
export type TimelineEntry = Schemas["TimelineEntry"];
export type Timeline = Schemas["Timeline"];
export type OperatingState = Schemas["StateShare"]["state"];
export type StateShare = Schemas["StateShare"];
export type AnomalyCounts = Schemas["AnomalyCounts"];
export type AnomalyPageCounts = Schemas["AnomalyPageCounts"];
export type SessionLocation = Schemas["SessionLocation"];
export type Insights = Schemas["Insights"];
export type AnomalyKind = Schemas["AnomalyItem"]["kind"];
export type AnomalyItem = Schemas["AnomalyItem"];
export type IdCollision = Schemas["IdCollision"];
export type AnomalyPage = Schemas["AnomalyPage"];
export type BatteryPeriod = Schemas["BatteryTrends"]["period"];
export type BatteryPoint = Schemas["BatteryPoint"];
export type BatteryTrends = Schemas["BatteryTrends"];
export type AuditEvent = Schemas["AuditEventRead"];
export type AuditPage = Schemas["AuditPage"];
export type DailyActivityPage = Schemas["DailyActivityPage"];
export type DevicePosition = Schemas["DevicePosition"];
export type FleetStatus = Schemas["FleetStatus"];
export type DeviceStatus = Schemas["DeviceStatus"];
export type ActiveAlert = Schemas["ActiveAlert"];
export type SortOrder = "asc" | "desc";
export type SessionSort = NonNullable<Query<"list_sessions_api_v1_sessions_get">["sort"]>;
export type AnomalySort = NonNullable<Query<"anomalies_api_v1_anomalies_get">["sort"]>;
export type AuditSort = NonNullable<Query<"list_audit_api_v1_audit_get">["sort"]>;
