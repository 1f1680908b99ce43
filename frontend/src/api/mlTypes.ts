// Names for the /api/ml bodies, derived from the generated schema.d.ts (see types.ts).
// Timestamps are ISO 8601 strings in UTC; ``date`` fields are UTC calendar days.
import type { components } from "./schema";

type Schemas = components["schemas"];

export type DeviceHealth = Schemas["DeviceHealth"];
export type HealthStatus = DeviceHealth["status"];
export type ServiceState = Schemas["MLServices"]["feature_engineering"];
export type Alert = Schemas["AlertRead"];
export type Severity = Alert["severity"];
export type AlertStatus = Alert["status"];
export type Outcome = Schemas["ResolveBody"]["outcome"];
export type IssueType = Alert["predicted_issue_type"];
export type MlHealth = Schemas["MLHealthRead"];
export type ComponentScores = Schemas["ComponentScores"];
export type ComponentKey = keyof ComponentScores;
export type ExplanatoryFactor = Schemas["ExplanatoryFactor"];
export type Finding = Schemas["Finding"];
export type TrendPoint = Schemas["TrendPoint"];
export type ForecastPoint = Schemas["ForecastPoint"];
export type PredictedFailure = Schemas["PredictedFailure"];
export type HealthForecast = Schemas["HealthForecast"];
export type Thresholds = Schemas["HealthThresholds"];
export type ThresholdName = keyof Thresholds;
export type HealthScoresMetadata = Schemas["HealthScoresMetadata"];
export type HealthScoresPage = Schemas["HealthScoresPage"];
export type AlertPage = Schemas["AlertPage"];
export type ModelVersion = Schemas["ModelRead"];
export type Deployment = Schemas["DeploymentRead"];
export type ModelList = Schemas["ModelList"];
export type TrainJob = Schemas["TrainJobRead"];
export type ModelStatus = Schemas["ModelStatus"];
export type MlStatistics = Schemas["MLStatistics"];
export type PrecisionSlice = Schemas["PrecisionRead"];
