import { cleanup, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { Alert } from "../../../api/mlTypes";
import { fakeApi, renderApp, signIn, signOutForTest } from "../../../test/fakeApi";
import type { Annotation } from "../types";

const BASE = "/api/v1/notifications";

function alert(id: string, device: string, issue: Alert["predicted_issue_type"]): Alert {
  return {
    alert_id: id,
    device_id: device,
    kind: "degradation",
    severity: "HIGH",
    predicted_issue_type: issue,
    predicted_timeframe: "around 2026-03-20",
    evidence_at: null,
    predicted_failure_at: null,
    predicted_earliest_at: null,
    predicted_latest_at: null,
    recommended_actions: [],
    confidence: 0.9,
    health_score: 40,
    health_trend_context: {},
    model_version: "1.0.0",
    created_at: "2026-03-01T10:00:00Z",
    updated_at: "2026-03-01T10:00:00Z",
    status: "open",
    acknowledged_by: null,
    acknowledged_at: null,
    acknowledged_notes: null,
    resolved_by: null,
    resolved_at: null,
    outcome: null,
    resolution_notes: null,
  } as Alert;
}

const ALERTS = [alert("a-1", "pod-1", "battery"), alert("a-2", "pod-1", "gps"), alert("a-3", "pod-2", "motor")];
const NOTES: Annotation[] = [
  {
    alert_id: "a-1",
    assignee: "olga",
    due_at: "2026-03-02T10:00:00Z",
    overdue: true,
    comments: 1,
    held: null,
    held_reason: null,
    notified_at: "2026-03-01T10:01:00Z",
    told: ["pager"],
    escalation_level: 1,
  },
  {
    alert_id: "a-2",
    assignee: null,
    due_at: null,
    overdue: false,
    comments: 0,
    held: "inhibited",
    held_reason: "held back: the pod battery is dying (HIGH battery alert a-1)",
    notified_at: null,
    told: [],
    escalation_level: 0,
  },
  {
    alert_id: "a-3",
    assignee: null,
    due_at: null,
    overdue: false,
    comments: 0,
    held: "silenced",
    held_reason: "silence 4 on device pod-2 until 2026-03-03 00:00 UTC by olga: gearbox",
    notified_at: null,
    told: [],
    escalation_level: 0,
  },
];

let calls: { url: URL; init: RequestInit }[] = [];
beforeEach(() => {
  signOutForTest();
  calls = fakeApi({
    "/api/ml/alerts": { body: { data: ALERTS, pagination: { page: 1, limit: 20, total: 3, pages: 1 } } },
    "/api/ml/statistics": {
      body: {
        fleet: null,
        alerts: { total: 3, by_severity: {}, by_status: { open: 3 }, by_issue_type: {}, outcomes: {}, precision: null },
        processing: { runs: 0, last: null, mean_total_ms: null, max_total_ms: null },
      },
    },
    "/api/v1/devices": { body: { devices: [] } },
    [`${BASE}/alerts/annotations`]: { body: NOTES },
    [`${BASE}/alerts/acknowledge`]: (_url, init) => ({
      body: {
        acknowledged: 1,
        results: JSON.parse(String(init.body)).alert_ids.map((id: string) => ({
          alert_id: id,
          ok: id === "a-2",
          status: id === "a-2" ? "acknowledged" : null,
          error: id === "a-2" ? null : `alert ${id} is acknowledged; cannot acknowledge it`,
        })),
      },
    }),
    [`${BASE}/alerts/a-1/comments`]: { body: [{ id: 1, author: "olga", body: "brushes ordered", created_at: "2026-03-01T11:00:00Z" }] },
  }).calls;
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function item(id: string): HTMLElement {
  const found = document.querySelector(`[data-alert-id="${id}"]`);
  if (!(found instanceof HTMLElement)) throw new Error(`no alert ${id}`);
  return found;
}

test("alerts say who works on them, what holds them back and whom they told", async () => {
  signIn("viewer");
  renderApp("/alerts");
  await screen.findByText(/Assigned to/);
  expect(item("a-1").textContent).toContain("Told pager.");
  expect(item("a-1").textContent).toContain("Escalated (step 1).");
  expect(item("a-1").textContent).toContain("overdue");
  expect(item("a-2").textContent).toContain("Held back: held back: the pod battery is dying");
  expect(item("a-3").textContent).toContain("Silenced: silence 4 on device pod-2");
  const asked = calls.find((c) => c.url.pathname === `${BASE}/alerts/annotations`);
  expect(asked?.url.searchParams.getAll("alert_id")).toEqual(["a-1", "a-2", "a-3"]);
  expect(within(item("a-1")).queryByRole("checkbox")).toBeNull(); // viewers select nothing
});

test("an operator ticks alerts and acknowledges them at once; refusals are listed", async () => {
  signIn("operator");
  const user = userEvent.setup();
  renderApp("/alerts");
  await user.click(await screen.findByRole("checkbox", { name: "Select HIGH battery alert on pod-1" }));
  await user.click(screen.getByRole("checkbox", { name: "Select HIGH gps alert on pod-1" }));
  await user.click(screen.getByRole("button", { name: "Acknowledge selected (2)" }));
  const sent = calls.find((c) => c.url.pathname === `${BASE}/alerts/acknowledge`);
  expect(JSON.parse(String(sent?.init.body))).toEqual({ alert_ids: ["a-1", "a-2"] });
  const status = await screen.findByText(/1 acknowledged/);
  expect(status.textContent).toContain("alert a-1 is acknowledged; cannot acknowledge it");
  expect(screen.getByRole("button", { name: "Acknowledge selected (1)" })).toBeTruthy(); // the refused one stays ticked
});

test("the comment thread opens under the alert", async () => {
  signIn("operator");
  const user = userEvent.setup();
  renderApp("/alerts");
  await user.click(await within(await screen.findByText("Assignment and comments (1)")).findByText(/Assignment/));
  expect(await screen.findByText(/brushes ordered/)).toBeTruthy();
  expect(within(item("a-1")).getByLabelText(/Assignee/)).toBeTruthy();
});
