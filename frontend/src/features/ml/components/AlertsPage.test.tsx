import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { Alert } from "../../../api/mlTypes";
import { fakeApi, renderApp, signIn, signOutForTest } from "../../../test/fakeApi";
import { alert, alertPage, STATISTICS } from "../../../test/mlFixtures";

const DEVICES = { devices: [], total: 0, limit: 10000, offset: 0 };

/** A tiny alert store: GET lists it, POST acknowledge/resolve change it like the backend. */
function alertApi(initial: Alert[]) {
  const alerts = new Map(initial.map((a) => [a.alert_id, a]));
  const posts: { path: string; body: unknown }[] = [];
  const list = (url: URL) => {
    const [status, severity] = [url.searchParams.get("status"), url.searchParams.get("severity")];
    return { body: alertPage([...alerts.values()].filter((a) => (!status || a.status === status) && (!severity || a.severity === severity))) };
  };
  const action = (kind: "acknowledge" | "resolve") => (url: URL, init: RequestInit) => {
    const id = url.pathname.split("/")[4];
    const body = JSON.parse(String(init.body)) as { notes: string | null; outcome?: string };
    posts.push({ path: url.pathname, body });
    const current = alerts.get(id) as Alert;
    const next: Alert =
      kind === "acknowledge"
        ? { ...current, status: "acknowledged", acknowledged_by: "operator-user", acknowledged_at: "2025-08-05T07:00:00Z", acknowledged_notes: body.notes }
        : {
            ...current,
            status: "resolved",
            resolved_by: "operator-user",
            resolved_at: "2025-08-05T08:00:00Z",
            outcome: body.outcome as Alert["outcome"],
            resolution_notes: body.notes,
          };
    alerts.set(id, next);
    return { body: next };
  };
  const routes = {
    "/api/ml/alerts": list,
    "/api/ml/statistics": { body: STATISTICS },
    "/api/v1/devices": { body: DEVICES },
    "/api/ml/alerts/a-1/acknowledge": action("acknowledge"),
    "/api/ml/alerts/a-1/resolve": action("resolve"),
  };
  return { routes, posts };
}

beforeEach(() => signOutForTest());
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

test("an operator acknowledges with notes, then resolves with an outcome; the list shows both", async () => {
  signIn("operator");
  const user = userEvent.setup();
  const api = alertApi([alert()]);
  fakeApi(api.routes);
  renderApp("/alerts");
  const acknowledge = await screen.findByRole("button", { name: "Acknowledge HIGH battery alert on b4b9bb52" });
  await user.click(acknowledge);
  const dialog = screen.getByRole("dialog", { name: "Acknowledge alert" });
  await user.type(within(dialog).getByLabelText("Notes (optional)"), "crew informed");
  await user.click(within(dialog).getByRole("button", { name: "Acknowledge" }));
  expect(await screen.findByText(/Acknowledged by/)).toBeTruthy();
  expect(screen.getByText(/crew informed/)).toBeTruthy();
  expect(screen.queryByRole("dialog")).toBeNull();

  await user.click(screen.getByRole("button", { name: "Resolve HIGH battery alert on b4b9bb52" }));
  const resolve = screen.getByRole("dialog", { name: "Resolve alert" });
  const confirm = within(resolve).getByRole("button", { name: "Resolve" }) as HTMLButtonElement;
  expect(confirm.disabled).toBe(true); // an outcome is required
  await user.click(within(resolve).getByRole("radio", { name: /Maintenance done/ }));
  await user.click(confirm);
  expect(await screen.findByText(/Resolved by/)).toBeTruthy();
  expect(screen.getByText("Maintenance done")).toBeTruthy();
  expect(api.posts).toEqual([
    { path: "/api/ml/alerts/a-1/acknowledge", body: { notes: "crew informed" } },
    { path: "/api/ml/alerts/a-1/resolve", body: { outcome: "maintenance_done", notes: null } },
  ]);
  expect(screen.queryByRole("button", { name: /Acknowledge|Resolve/ })).toBeNull();
});

test("Escape closes the dialog without sending anything and gives focus back", async () => {
  signIn("operator");
  const user = userEvent.setup();
  const api = alertApi([alert()]);
  fakeApi(api.routes);
  renderApp("/alerts");
  const acknowledge = await screen.findByRole("button", { name: /^Acknowledge/ });
  await user.click(acknowledge);
  expect(document.activeElement).toBe(screen.getByLabelText("Notes (optional)"));
  await user.keyboard("{Escape}");
  expect(screen.queryByRole("dialog")).toBeNull();
  expect(document.activeElement).toBe(acknowledge);
  expect(api.posts).toEqual([]);
});

test("a viewer sees alerts but no acknowledge or resolve controls", async () => {
  signIn("viewer");
  fakeApi(alertApi([alert(), alert({ alert_id: "a-2", status: "acknowledged", acknowledged_by: "otto", acknowledged_at: "2025-08-05T07:00:00Z" })]).routes);
  renderApp("/alerts");
  const list = await screen.findByRole("list", { name: "Alerts, most urgent first" });
  expect(
    within(list)
      .getAllByRole("listitem")
      .filter((li) => li.classList.contains("alert-item")),
  ).toHaveLength(2);
  expect(screen.queryByRole("button", { name: /acknowledge|resolve/i })).toBeNull();
  expect(screen.getByText(/operators and admins acknowledge and resolve/)).toBeTruthy();
});

test("an alert's health is labelled as the score of the component it is about", async () => {
  signIn("viewer");
  fakeApi(alertApi([alert({ predicted_issue_type: "motor", health_score: 21.5 })]).routes);
  renderApp("/alerts");
  const list = await screen.findByRole("list", { name: "Alerts, most urgent first" });
  const label = within(list).getByText("Motor health");
  expect(label.nextElementSibling?.textContent).toContain("21.5");
});

test("filters go to the API and into the URL; a disabled ML service shows its reason", async () => {
  signIn("viewer");
  const { calls } = fakeApi(alertApi([alert()]).routes);
  const user = userEvent.setup();
  renderApp("/alerts");
  await screen.findByRole("list", { name: "Alerts, most urgent first" });
  await user.selectOptions(screen.getByLabelText("Severity"), "CRITICAL");
  await user.selectOptions(screen.getByLabelText("Status"), "open");
  await waitFor(() => expect(screen.getAllByText("No alerts for these filters.")).toHaveLength(2));
  const last = calls.filter((c) => c.url.pathname === "/api/ml/alerts").at(-1);
  expect(last?.url.searchParams.get("severity")).toBe("CRITICAL");
  expect(last?.url.searchParams.get("status")).toBe("open");
  cleanup();

  fakeApi({ "/api/ml/alerts": { status: 503, body: { detail: "ML is disabled (ML_ENABLED=false)" } }, "/api/v1/devices": { body: DEVICES } });
  renderApp("/alerts");
  const alerts = await screen.findAllByRole("alert");
  expect(alerts[0].textContent).toContain("ML API not available. ML is disabled (ML_ENABLED=false)");
});
