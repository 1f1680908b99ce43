import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, expect, test, vi } from "vitest";
import { App } from "./App";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function answer(status: number, body: unknown): typeof fetch {
  return vi.fn(async () => new Response(JSON.stringify(body), { status }));
}

test("shows the backend health it fetched from /api/v1/health", async () => {
  const fetcher = answer(200, { status: "ok", version: "0.1.0", telemetry_store: "ok", database: "ok" });
  vi.stubGlobal("fetch", fetcher);
  render(<App />);
  expect(await screen.findByText("0.1.0")).toBeTruthy();
  expect(screen.getByRole("heading").textContent).toBe("DrillWatch");
  expect(fetcher).toHaveBeenCalledWith("/api/v1/health");
});

test("says so when the backend cannot be reached", async () => {
  vi.stubGlobal("fetch", answer(502, {}));
  render(<App />);
  expect((await screen.findByRole("alert")).textContent).toContain("HTTP 502");
});
