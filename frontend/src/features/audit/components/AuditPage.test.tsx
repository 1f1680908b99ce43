import { cleanup, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { AuditEvent } from "../../../api/types";
import { fakeApi, renderApp, signIn, signOutForTest } from "../../../test/fakeApi";

function event(id: number, action: string, actor = "admin"): AuditEvent {
  return {
    id,
    at: `2026-03-0${(id % 9) + 1}T10:00:00Z`,
    actor,
    action,
    target: `user-${id}`,
    details: action === "user.update" ? { role: "operator", password_changed: true } : {},
    source: "203.0.113.8",
  };
}

// 120 recorded actions: the page shows them 50 at a time, filtered on the server.
const EVENTS = Array.from({ length: 120 }, (_, i) => event(120 - i, i % 2 ? "auth.login" : "user.update"));

function answer(url: URL) {
  const action = url.searchParams.get("action");
  const actor = url.searchParams.get("actor");
  const matching = EVENTS.filter((e) => (!action || e.action === action) && (!actor || e.actor === actor));
  const limit = Number(url.searchParams.get("limit"));
  const offset = Number(url.searchParams.get("offset"));
  return { body: { items: matching.slice(offset, offset + limit), total: matching.length, limit, offset } };
}

let calls: { url: URL }[] = [];
beforeEach(() => {
  signOutForTest();
  calls = fakeApi({ "/api/v1/audit": answer }).calls;
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function rows(): string[][] {
  const table = screen.getByRole("region", { name: "Audit trail" });
  return within(table)
    .getAllByRole("row")
    .slice(1)
    .map((row) =>
      within(row)
        .getAllByRole("cell")
        .map((cell) => cell.textContent ?? ""),
    );
}

test("admins page through the trail with its details and source", async () => {
  signIn("admin");
  const user = userEvent.setup();
  renderApp("/audit");
  expect(await screen.findByText("1–50 of 120 actions")).toBeTruthy();
  expect(rows()).toHaveLength(50);
  const [, actor, action, target, details, source] = rows()[0];
  expect([actor, action, target, details, source]).toEqual(["admin", "user.update", "user-120", "role: operator, password_changed: true", "203.0.113.8"]);
  await user.click(screen.getByRole("button", { name: "Next" }));
  expect(await screen.findByText("51–100 of 120 actions")).toBeTruthy();
  expect(calls.at(-1)?.url.searchParams.get("offset")).toBe("50");
});

test("filters go to the server: action, actor and a UTC day range", async () => {
  signIn("admin");
  const user = userEvent.setup();
  renderApp("/audit");
  await screen.findByText("1–50 of 120 actions");
  await user.selectOptions(screen.getByLabelText("Action"), "auth.login");
  expect(await screen.findByText("1–50 of 60 actions")).toBeTruthy();
  expect(rows().every((cells) => cells[2] === "auth.login")).toBe(true);
  await user.type(screen.getByLabelText("Actor"), "nobody");
  expect(await screen.findByText("No recorded actions match these filters.")).toBeTruthy();
  await user.type(screen.getByLabelText("From"), "2026-03-01");
  await user.type(screen.getByLabelText("To"), "2026-03-31");
  const last = calls.at(-1)!.url.searchParams;
  expect([last.get("action"), last.get("actor"), last.get("since"), last.get("until")]).toEqual(["auth.login", "nobody", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"]);
});

test("the page is for admins only", async () => {
  signIn("operator");
  renderApp("/audit");
  expect(await screen.findByText(/This page needs the admin role/)).toBeTruthy();
  expect(calls.filter((c) => c.url.pathname === "/api/v1/audit")).toHaveLength(0);
});
