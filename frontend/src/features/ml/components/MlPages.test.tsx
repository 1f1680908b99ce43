import { cleanup, screen } from "@testing-library/react";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { fakeApi, renderApp, signIn, signOutForTest } from "../../../test/fakeApi";

beforeEach(() => {
  signOutForTest();
  signIn("admin");
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

test("a missing ML API (404) shows 'ML API not available' and the backend's reason", async () => {
  fakeApi({});
  renderApp("/health");
  const alert = await screen.findByRole("alert");
  expect(alert.textContent).toContain("ML API not available.");
  expect(alert.textContent).toContain("no API route /api/ml/health-scores");
});

test("a disabled ML service (503) shows the same state on the alerts page", async () => {
  fakeApi({ "/api/ml/alerts": { status: 503, body: { detail: "ML is disabled (ML_ENABLED=false)" } } });
  renderApp("/alerts");
  const alert = await screen.findByRole("alert");
  expect(alert.textContent).toBe("ML API not available. ML is disabled (ML_ENABLED=false)Try again");
});

test("other ML errors are reported as errors, not as a missing API", async () => {
  fakeApi({ "/api/ml/health": { body: { status: "healthy" } }, "/api/ml/models": { status: 500, body: { detail: "registry corrupt" } } });
  renderApp("/models");
  const alert = await screen.findByRole("alert");
  expect(alert.textContent).toContain("Could not load model versions.");
  expect(alert.textContent).toContain("registry corrupt");
});
