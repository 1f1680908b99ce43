import type { Insights } from "../../../api/types";
import { Kpi, KpiGrid } from "../../../components/Kpi";
import { formatCount, formatHours, formatMinutes, formatPercent } from "../../../lib/format";

/** Drilling hours, sessions, average length and tagged share, each with its unit. */
export function FleetKpis({ insights }: { insights: Insights }) {
  return (
    <KpiGrid label="Fleet KPIs">
      <Kpi label="Drilling hours" value={formatHours(insights.drilling_hours)} note="DRILL samples × 30 s" title={`${insights.drilling_hours} h`} />
      <Kpi label="Sessions" value={formatCount(insights.sessions)} note={`${formatCount(insights.devices)} devices`} />
      <Kpi label="Average session length" value={formatMinutes(insights.average_session_minutes)} note={`${formatHours(insights.session_hours)} in sessions`} />
      <Kpi label="Tagged sessions" value={formatPercent(insights.tagged_pct)} note={`${formatCount(insights.tagged_sessions)} with a smart tag`} />
      <Kpi label="Low-battery sessions" value={formatCount(insights.low_battery_events)} note="battery below 20 %" />
    </KpiGrid>
  );
}
