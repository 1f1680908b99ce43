import { cleanup, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { TrainJob } from "../../../api/mlTypes";
import { fakeApi, renderApp, signIn, signOutForTest } from "../../../test/fakeApi";
import { ML_HEALTH, modelList } from "../../../test/mlFixtures";

const STATUS = { ml_enabled: true, active: null, performance: null, last_run: null, last_error: null, latest_training: null };

function job(status: TrainJob["status"], step: string | null): TrainJob {
  return {
    job_id: "job-1",
    requested_by: "admin",
    deploy: false,
    version: null,
    status,
    step,
    created_at: "2025-08-05T07:00:00Z",
    started_at: "2025-08-05T07:00:00Z",
    finished_at: status === "succeeded" ? "2025-08-05T07:00:01Z" : null,
    error: null,
    result: status === "succeeded" ? { version: "1.0.2", deployed: false, seconds: 0.42 } : null,
  };
}

function routes(posts: { path: string; body: unknown }[], polls: TrainJob[] = []) {
  const record =
    (answer: unknown, status = 200) =>
    (url: URL, init: RequestInit) => {
      posts.push({ path: url.pathname, body: JSON.parse(String(init.body)) });
      return { status, body: answer };
    };
  return {
    "/api/ml/health": { body: ML_HEALTH },
    "/api/ml/models": { body: modelList() },
    "/api/ml/model-status": { body: STATUS },
    "/api/ml/models/1.0.1/deploy": record(modelList().data[1]),
    "/api/ml/train": record(job("queued", null), 202),
    "/api/ml/train/job-1": () => ({ body: polls.length > 1 ? polls.shift() : polls[0] }),
  };
}

beforeEach(() => signOutForTest());
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

test("versions show their metrics and the active marker; the service health lists each service", async () => {
  signIn("viewer");
  fakeApi(routes([]));
  renderApp("/models");
  const table = await screen.findByRole("region", { name: "Versions and metrics" });
  const [other, active] = within(table).getAllByRole("row").slice(1);
  expect(within(active).getByRole("rowheader").textContent).toBe("1.0.0 Active");
  expect(
    within(other)
      .getAllByRole("cell")
      .map((c) => c.textContent),
  ).toEqual(expect.arrayContaining(["90.0 %", "75.0 %", "—", "12.3 ms", "35 days, 16 devices, 48,679 rows; 2 features"]));
  expect(screen.getByText("Health scoring").nextElementSibling?.textContent).toBe("ready");
  expect(screen.queryByRole("button", { name: /^(train a|deploy|roll back)/i })).toBeNull();
  expect(screen.getByText("Only admins train, deploy and roll back models.")).toBeTruthy();
});

test("deploy asks for confirmation: cancel sends nothing, confirm sends the version and reason", async () => {
  signIn("admin");
  const user = userEvent.setup();
  const posts: { path: string; body: unknown }[] = [];
  fakeApi(routes(posts));
  renderApp("/models");
  await user.click(await screen.findByRole("button", { name: "Deploy 1.0.1" }));
  await user.click(within(screen.getByRole("dialog", { name: "Deploy model 1.0.1?" })).getByRole("button", { name: "Cancel" }));
  expect(posts).toEqual([]);

  await user.click(screen.getByRole("button", { name: "Deploy 1.0.1" }));
  const dialog = screen.getByRole("dialog", { name: "Deploy model 1.0.1?" });
  expect(dialog.textContent).toContain("1.0.1 replaces 1.0.0 as the active model");
  await user.type(within(dialog).getByLabelText(/Reason/), "better recall");
  await user.click(within(dialog).getByRole("button", { name: "Deploy 1.0.1" }));
  expect(posts).toEqual([{ path: "/api/ml/models/1.0.1/deploy", body: { reason: "better recall" } }]);
  expect(screen.queryByRole("dialog")).toBeNull();
});

test("training starts after confirmation and its progress is polled until it succeeds", async () => {
  signIn("admin");
  const user = userEvent.setup();
  const posts: { path: string; body: unknown }[] = [];
  fakeApi(routes(posts, [job("running", "fit"), job("succeeded", "save")]));
  renderApp("/models");
  await user.click(await screen.findByRole("button", { name: "Train a new model" }));
  await user.click(within(screen.getByRole("dialog", { name: "Train a new model?" })).getByRole("button", { name: "Start training" }));
  expect(posts).toEqual([{ path: "/api/ml/train", body: { deploy: false, version: null } }]);
  expect(await screen.findByText(/running, step “fit”/)).toBeTruthy();
  const done = await screen.findByText(/Training succeeded/, {}, { timeout: 3000 });
  expect(done.textContent).toBe("Training succeeded: version 1.0.2 in 0.4 s, not deployed.");
});

test("an error other than a missing API is reported as such", async () => {
  signIn("admin");
  fakeApi({ "/api/ml/health": { body: ML_HEALTH }, "/api/ml/model-status": { body: STATUS }, "/api/ml/models": { status: 500, body: { detail: "registry corrupt" } } });
  renderApp("/models");
  const alert = await screen.findByRole("alert");
  expect(alert.textContent).toContain("Could not load model versions.");
  expect(alert.textContent).toContain("registry corrupt");
});
