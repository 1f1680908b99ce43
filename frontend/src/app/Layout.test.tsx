import { cleanup, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { fakeApi, renderApp, signIn, signOutForTest } from "../test/fakeApi";

beforeEach(() => {
  signOutForTest();
  fakeApi({ "/api/v1/users": { body: [] } });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function navLinks(): string[] {
  return within(screen.getByRole("navigation", { name: "Main" }))
    .getAllByRole("link")
    .map((link) => link.textContent ?? "");
}

test("a viewer sees no administration entries and cannot open the users page", async () => {
  signIn("viewer");
  renderApp("/users");
  expect((await screen.findByRole("alert")).textContent).toContain("This page needs the admin role");
  expect(navLinks()).not.toContain("Users");
});

test("an admin gets the users page in the navigation", async () => {
  signIn("admin");
  renderApp("/users");
  expect(await screen.findByRole("heading", { level: 1, name: "Users" })).toBeTruthy();
  expect(navLinks()).toEqual([
    "Overview",
    "Fleet map",
    "Devices",
    "Sessions",
    "Battery",
    "Anomalies",
    "Fleet health",
    "Alerts",
    "My alerts",
    "Silences",
    "Models",
    "Users",
    "Audit trail",
    "Notifications",
  ]);
});

test("the menu button opens and closes the navigation on narrow screens", async () => {
  signIn("viewer");
  const user = userEvent.setup();
  renderApp("/nowhere");
  const menu = await screen.findByRole("button", { name: /Menu/ });
  expect(menu.getAttribute("aria-expanded")).toBe("false");
  await user.click(menu);
  expect(menu.getAttribute("aria-expanded")).toBe("true");
  expect(screen.getByRole("navigation", { name: "Main" }).className).toContain("open");
  await user.click(within(screen.getByRole("navigation", { name: "Main" })).getByRole("link", { name: "Models" }));
  expect(menu.getAttribute("aria-expanded")).toBe("false");
});
