import { cleanup, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { fakeApi, renderApp, signIn, signOutForTest } from "../test/fakeApi";
import { safeNext } from "./LoginPage";

const EMPTY_ANOMALIES = {
  counts: {
    short_sessions: 0,
    lost_sample_sessions: 0,
    lost_samples: 0,
    missing_gps_sessions: 0,
    missing_gps_samples: 0,
    low_battery_sessions: 0,
    low_battery_samples: 0,
    id_collision_sessions: 0,
  },
  items: [],
  total: 0,
  limit: 25,
  offset: 0,
};

function loginRoutes() {
  return {
    "/api/v1/auth/token": (_url: URL, init: RequestInit) => {
      const form = new URLSearchParams(String(init.body));
      return form.get("password") === "right-password"
        ? { body: { access_token: "fresh-token", token_type: "bearer", expires_in: 1800, role: "operator" } }
        : { status: 401, body: { detail: "incorrect username or password" } };
    },
    "/api/v1/auth/me": { body: { name: "olga", role: "operator", kind: "user" } },
    "/api/v1/devices": { body: { devices: [], total: 0, limit: 10000, offset: 0 } },
  };
}

beforeEach(signOutForTest);
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

async function logIn(password: string) {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Username"), "olga");
  await user.type(screen.getByLabelText("Password"), password);
  await user.click(screen.getByRole("button", { name: "Sign in" }));
}

test("a signed-out visit goes to login and, after signing in, back to the page with its filters", async () => {
  const { calls } = fakeApi({ ...loginRoutes(), "/api/v1/anomalies": { body: EMPTY_ANOMALIES } });
  renderApp("/anomalies?kind=low_battery");
  await logIn("right-password");
  expect(await screen.findByRole("heading", { level: 1, name: "Anomalies" })).toBeTruthy();
  expect((screen.getByRole("checkbox", { name: "Low battery (< 20 %)" }) as HTMLInputElement).checked).toBe(true);
  const anomalyCall = calls.find((c) => c.url.pathname === "/api/v1/anomalies")!;
  expect(anomalyCall.url.searchParams.getAll("kind")).toEqual(["low_battery"]);
  expect(new Headers(anomalyCall.init.headers).get("Authorization")).toBe("Bearer fresh-token");
  expect(within(screen.getByRole("banner")).getByText("operator")).toBeTruthy();
});

test("a wrong password shows an error and stays on the login page", async () => {
  fakeApi(loginRoutes());
  renderApp("/login");
  await logIn("wrong-password");
  expect((await screen.findByRole("alert")).textContent).toBe("Incorrect username or password.");
  expect(screen.getByRole("button", { name: "Sign in" })).toBeTruthy();
});

test("a token the API refuses (401) returns to login, then back to the same page", async () => {
  signIn("viewer");
  let accepted = "fresh-token";
  fakeApi({
    ...loginRoutes(),
    "/api/v1/anomalies": (_url, init) =>
      new Headers(init.headers).get("Authorization") === `Bearer ${accepted}` ? { body: EMPTY_ANOMALIES } : { status: 401, body: { detail: "token expired" } },
  });
  renderApp("/anomalies?from=2025-07-01");
  expect(await screen.findByText("Your session has expired. Sign in again to continue.")).toBeTruthy();
  await logIn("right-password");
  expect(await screen.findByRole("heading", { level: 1, name: "Anomalies" })).toBeTruthy();
  expect((screen.getByLabelText("From") as HTMLInputElement).value).toBe("2025-07-01");
  accepted = "none";
});

test("logging out returns to login without remembering the page", async () => {
  signIn("viewer");
  fakeApi({ "/api/v1/anomalies": { body: EMPTY_ANOMALIES }, "/api/v1/devices": { body: { devices: [], total: 0, limit: 1, offset: 0 } } });
  renderApp("/anomalies");
  await userEvent.setup().click(await screen.findByRole("button", { name: "Log out" }));
  expect(await screen.findByRole("button", { name: "Sign in" })).toBeTruthy();
  expect(screen.queryByText(/session has expired/)).toBeNull();
  expect(localStorage.length).toBe(0);
});

test("only same-app paths are followed after login", () => {
  expect(safeNext("/sessions?page=2")).toBe("/sessions?page=2");
  expect(safeNext("//evil.example/x")).toBe("/");
  expect(safeNext("https://evil.example")).toBe("/");
  expect(safeNext(null)).toBe("/");
});
