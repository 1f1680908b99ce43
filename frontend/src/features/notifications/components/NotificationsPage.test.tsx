import { cleanup, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { fakeApi, renderApp, signIn, signOutForTest } from "../../../test/fakeApi";
import type { Channel, Preview, Rule } from "../types";

const BASE = "/api/v1/notifications";

function channel(id: number, name: string): Channel {
  return {
    id,
    name,
    kind: "webhook",
    enabled: true,
    config: { url: `https://hooks.example.com/${name}`, format: "slack" },
    secret_fields: ["signing_secret"],
    created_by: "admin",
    created_at: "2026-03-01T10:00:00Z",
    updated_at: "2026-03-01T10:00:00Z",
  };
}

const MAIL: Channel = {
  ...channel(3, "mail"),
  kind: "email",
  config: { host: "smtp.example.com", port: 587, security: "starttls", username: "dw", sender: "dw@example.com", recipients: ["crew@example.com"] },
  secret_fields: ["password"],
};

const RULES: Rule[] = [
  {
    id: 1,
    name: "critical",
    position: 0,
    enabled: true,
    severities: ["CRITICAL"],
    issue_types: [],
    device_ids: [],
    groups: [],
    quiet_from: null,
    quiet_until: null,
    timezone: "UTC",
    channel_ids: [1],
    escalation_channel_ids: [2],
    continue_matching: false,
    created_by: "admin",
    created_at: "2026-03-01T10:00:00Z",
    updated_at: "2026-03-01T10:00:00Z",
  },
  {
    id: 2,
    name: "night mail",
    position: 1,
    enabled: true,
    severities: [],
    issue_types: [],
    device_ids: [],
    groups: ["north"],
    quiet_from: "22:00",
    quiet_until: "06:00",
    timezone: "Europe/Berlin",
    channel_ids: [2],
    escalation_channel_ids: [],
    continue_matching: false,
    created_by: "admin",
    created_at: "2026-03-01T10:00:00Z",
    updated_at: "2026-03-01T10:00:00Z",
  },
];

const PREVIEW: Preview = {
  device_id: "pod-7",
  severity: "CRITICAL",
  issue_type: "motor",
  groups: ["north"],
  hits: [{ rule_id: 1, rule_name: "critical", channels: ["pager"], deliver_after: null }],
  channels: ["pager"],
  escalation_rule: "critical",
  held: "inhibited",
  held_reason: "held back: the pod is offline (HIGH motor alert a-9)",
};

let calls: { url: URL; init: RequestInit }[] = [];
beforeEach(() => {
  signOutForTest();
  calls = fakeApi({
    [`${BASE}/status`]: {
      body: {
        enabled: true,
        running: true,
        last_tick: "2026-03-01T10:00:00Z",
        last_error: null,
        outbox: { pending: 0, delivered: 3, parked: 1 },
        channels: 2,
        rules: 2,
        active_silences: 0,
      },
    },
    [`${BASE}/channels`]: { body: [channel(1, "pager"), channel(2, "crew"), MAIL] },
    [`${BASE}/channels/1`]: (_url, init) => ({ body: { ...channel(1, "pager"), ...JSON.parse(String(init.body)) } }),
    [`${BASE}/channels/3`]: (_url, init) => ({ body: { ...MAIL, ...JSON.parse(String(init.body)) } }),
    [`${BASE}/channels/1/test`]: { body: { ok: false, error: "HTTP 401: bad signature", idempotency_key: "test-1" } },
    [`${BASE}/rules`]: { body: RULES },
    [`${BASE}/rules/order`]: (_url, init) => ({ body: JSON.parse(String(init.body)).rule_ids.map((id: number) => RULES.find((r) => r.id === id)) }),
    [`${BASE}/rules/preview`]: { body: PREVIEW },
    [`${BASE}/rules/2`]: (_url, init) => {
      const body = JSON.parse(String(init.body));
      if (body.timezone === "Mars/Base") return { status: 422, body: { detail: "unknown time zone 'Mars/Base'", field: "timezone" } };
      return { body: { ...body, id: 2, position: 1 } };
    },
    [`${BASE}/groups`]: { body: [{ id: 1, name: "north", description: "", device_ids: ["pod-7"] }] },
    [`${BASE}/outbox`]: {
      body: {
        items: [
          {
            id: "k1",
            channel_name: "crew",
            device_id: "pod-7",
            payload: { events: [{ event: "new", severity: "HIGH", issue_type: "gps" }] },
            status: "parked",
            attempts: 8,
            created_at: "2026-03-01T09:00:00Z",
            next_attempt_at: "2026-03-01T09:00:00Z",
            delivered_at: null,
            last_error: "HTTP 500: down",
          },
        ],
        total: 1,
        limit: 20,
        offset: 0,
        counts: { pending: 0, delivered: 3, parked: 1 },
      },
    },
    [`${BASE}/outbox/k1/resend`]: { body: {} },
  }).calls;
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const posted = (path: string) => calls.filter((c) => c.url.pathname === path && c.init.method === "POST");

test("an admin sees channels without secrets, sends a test and reads why it failed", async () => {
  signIn("admin");
  const user = userEvent.setup();
  renderApp("/notifications");
  const table = await screen.findByRole("region", { name: "Channel table" });
  expect(within(table).getAllByText("signing_secret set")).toHaveLength(2);
  await user.click(screen.getByRole("button", { name: "Send test through pager" }));
  expect((await screen.findByText(/failed/)).textContent).toBe("Test through pager failed: HTTP 401: bad signature");
  expect(posted(`${BASE}/channels/1/test`)).toHaveLength(1);
});

test("an admin edits a channel: secrets stay unless a new one is typed", async () => {
  signIn("admin");
  const user = userEvent.setup();
  renderApp("/notifications");
  const table = await screen.findByRole("region", { name: "Channel table" });
  await user.click(within(table).getByRole("button", { name: "Edit channel pager" }));
  const form = screen.getByRole("form", { name: "Edit channel pager" });
  const url = within(form).getByLabelText("URL");
  expect(url).toHaveProperty("value", "https://hooks.example.com/pager");
  expect(within(form).getByLabelText("Signing secret")).toHaveProperty("value", "");
  await user.clear(url);
  await user.type(url, "https://hooks.example.com/new");
  await user.selectOptions(within(form).getByLabelText("Format"), "teams");
  await user.click(within(form).getByRole("button", { name: "Save channel" }));
  expect(await screen.findByRole("form", { name: "Add a channel" })).toBeTruthy();
  await user.click(within(table).getByRole("button", { name: "Edit channel pager" }));
  const again = screen.getByRole("form", { name: "Edit channel pager" });
  await user.type(within(again).getByLabelText("Signing secret"), "a-brand-new-secret-42");
  await user.click(within(again).getByRole("button", { name: "Save channel" }));
  await screen.findByRole("form", { name: "Add a channel" });
  const patches = calls.filter((c) => c.url.pathname === `${BASE}/channels/1` && c.init.method === "PATCH").map((c) => JSON.parse(String(c.init.body)));
  expect(patches).toEqual([
    { name: "pager", config: { url: "https://hooks.example.com/new", format: "teams" } },
    { name: "pager", config: { url: "https://hooks.example.com/pager", format: "slack" }, secrets: { signing_secret: "a-brand-new-secret-42" } },
  ]);
});

test("an e-mail channel's stored password is removed only with its checkbox; a webhook has none", async () => {
  signIn("admin");
  const user = userEvent.setup();
  renderApp("/notifications");
  const table = await screen.findByRole("region", { name: "Channel table" });
  await user.click(within(table).getByRole("button", { name: "Edit channel pager" }));
  expect(within(screen.getByRole("form", { name: "Edit channel pager" })).queryByRole("checkbox")).toBeNull();
  await user.click(screen.getByRole("button", { name: "Cancel" }));
  await user.click(within(table).getByRole("button", { name: "Edit channel mail" }));
  let form = screen.getByRole("form", { name: "Edit channel mail" });
  await user.click(within(form).getByRole("button", { name: "Save channel" }));
  await screen.findByRole("form", { name: "Add a channel" });
  await user.click(within(table).getByRole("button", { name: "Edit channel mail" }));
  form = screen.getByRole("form", { name: "Edit channel mail" });
  await user.type(within(form).getByLabelText("Password"), "typed-then-dropped");
  await user.click(within(form).getByRole("checkbox", { name: "Remove the stored password" }));
  expect(within(form).getByLabelText("Password")).toHaveProperty("disabled", true);
  expect(within(form).getByLabelText("Password")).toHaveProperty("value", "");
  await user.click(within(form).getByRole("button", { name: "Save channel" }));
  await screen.findByRole("form", { name: "Add a channel" });
  const patches = calls.filter((c) => c.url.pathname === `${BASE}/channels/3` && c.init.method === "PATCH").map((c) => JSON.parse(String(c.init.body)));
  expect(patches.map((p) => p.secrets)).toEqual([undefined, { password: null }]);
  expect(patches[1].config).toEqual(MAIL.config);
});

const outboxAsked = () => calls.filter((c) => c.url.pathname === `${BASE}/outbox`).map((c) => `${c.url.searchParams.get("sort")} ${c.url.searchParams.get("order")}`);

test("the outbox sorts on the server by its headers: newest first until asked, most tried first on a first click", async () => {
  signIn("admin");
  const user = userEvent.setup();
  renderApp("/notifications");
  const notices = await screen.findByRole("region", { name: "Notices" });
  expect(outboxAsked()).toContain("created_at desc");
  expect(
    within(notices)
      .getByRole("columnheader", { name: /^Created/ })
      .getAttribute("aria-sort"),
  ).toBe("descending");
  await user.click(within(notices).getByRole("button", { name: /^Last error/ }));
  await vi.waitFor(() => expect(outboxAsked()).toContain("last_error asc"));
  expect(
    within(notices)
      .getByRole("columnheader", { name: /^Last error/ })
      .getAttribute("aria-sort"),
  ).toBe("ascending");
  await user.click(within(notices).getByRole("button", { name: /^Last error/ }));
  await vi.waitFor(() => expect(outboxAsked()).toContain("last_error desc"));
  await user.click(within(notices).getByRole("button", { name: /^Attempts/ }));
  await vi.waitFor(() => expect(outboxAsked()).toContain("attempts desc")); // most tried first
});

test("an outbox sort in the URL is asked of the server on arrival", async () => {
  signIn("admin");
  renderApp("/notifications?outboxsort=attempts&outboxorder=asc&outboxpage=1");
  const notices = await screen.findByRole("region", { name: "Notices" });
  expect(outboxAsked()).toEqual(["attempts asc"]);
  expect(
    within(notices)
      .getByRole("columnheader", { name: /^Attempts/ })
      .getAttribute("aria-sort"),
  ).toBe("ascending");
});

test("rules show in order with their matchers; moving one sends the new order; the preview names the hit and the hold", async () => {
  signIn("admin");
  const user = userEvent.setup();
  renderApp("/notifications");
  const rules = await screen.findByRole("region", { name: "Rule table" });
  const rows = within(rules)
    .getAllByRole("row")
    .slice(1)
    .map((r) =>
      within(r)
        .getAllByRole("cell")
        .map((c) => c.textContent),
    );
  expect(rows[0].slice(1, 5)).toEqual(["critical", "severity CRITICAL; component any; groups any; devices any", "pager", "crew"]);
  expect(rows[1][5]).toBe("22:00–06:00 Europe/Berlin");
  await user.click(within(rules).getByRole("button", { name: "Move night mail up" }));
  const order = calls.find((c) => c.url.pathname === `${BASE}/rules/order`);
  expect(JSON.parse(String(order?.init.body))).toEqual({ rule_ids: [2, 1] });
  await user.type(screen.getByLabelText("Device"), "pod-7");
  await user.click(screen.getByRole("button", { name: "Preview" }));
  const result = await screen.findByRole("status", { name: "Preview result" });
  expect(result.textContent).toContain("hits critical; tells pager.");
  expect(result.textContent).toContain("Held back (inhibited): held back: the pod is offline");
  const sent = JSON.parse(String(posted(`${BASE}/rules/preview`)[0].init.body));
  expect(sent).toEqual({ device_id: "pod-7", severity: "CRITICAL", issue_type: "motor" });
});

test("the rule table sorts by a header, read from the URL; the arrows still move a rule in apply order", async () => {
  signIn("admin");
  const user = userEvent.setup();
  renderApp("/notifications?rulesort=name&ruleorder=desc");
  const rules = await screen.findByRole("region", { name: "Rule table" });
  const cells = (column: number) =>
    within(rules)
      .getAllByRole("row")
      .slice(1)
      .map((r) => within(r).getAllByRole("cell")[column].textContent);
  expect(cells(1)).toEqual(["night mail", "critical"]);
  expect(cells(0)).toEqual(["2", "1"]);
  expect(within(rules).getByRole("columnheader", { name: /^Rule/ }).getAttribute("aria-sort")).toBe("descending");
  await user.click(within(rules).getByRole("button", { name: "Move critical down" }));
  const order = calls.find((c) => c.url.pathname === `${BASE}/rules/order`);
  expect(JSON.parse(String(order?.init.body))).toEqual({ rule_ids: [2, 1] });
  await user.click(within(rules).getByRole("button", { name: /^#/ }));
  expect(cells(1)).toEqual(["critical", "night mail"]);
});

test("an admin edits a rule in its form: the server's refusal names the field, a fix saves it", async () => {
  signIn("admin");
  const user = userEvent.setup();
  renderApp("/notifications");
  const rules = await screen.findByRole("region", { name: "Rule table" });
  await user.click(within(rules).getByRole("button", { name: "Edit rule night mail" }));
  const form = screen.getByRole("form", { name: "Edit rule night mail" });
  expect(within(form).getByLabelText("Rule name")).toHaveProperty("value", "night mail");
  expect(within(form).getByLabelText("Quiet from")).toHaveProperty("value", "22:00");
  expect(within(form).getByRole("checkbox", { name: "north" })).toHaveProperty("checked", true);
  await user.click(within(form).getByRole("checkbox", { name: "Enabled" }));
  await user.click(within(within(form).getByRole("group", { name: "Notify" })).getByRole("checkbox", { name: "pager" }));
  const zone = within(form).getByLabelText("Time zone");
  await user.clear(zone);
  await user.type(zone, "Mars/Base");
  await user.click(within(form).getByRole("button", { name: "Save rule" }));
  expect((await within(form).findByRole("alert")).textContent).toContain("unknown time zone");
  await user.clear(zone);
  await user.type(zone, "UTC");
  await user.click(within(form).getByRole("button", { name: "Save rule" }));
  expect(await screen.findByRole("form", { name: "Add a rule" })).toBeTruthy();
  const puts = calls.filter((c) => c.url.pathname === `${BASE}/rules/2` && c.init.method === "PUT");
  expect(puts).toHaveLength(2);
  // only the writable fields go back (the server refuses id, position, created_by, ...)
  expect(JSON.parse(String(puts[1].init.body))).toEqual({
    name: "night mail",
    enabled: false,
    severities: [],
    issue_types: [],
    device_ids: [],
    groups: ["north"],
    quiet_from: "22:00",
    quiet_until: "06:00",
    timezone: "UTC",
    channel_ids: [2, 1],
    escalation_channel_ids: [],
    continue_matching: false,
  });
});

test("a parked notice shows its last error and can be resent", async () => {
  signIn("admin");
  const user = userEvent.setup();
  renderApp("/notifications");
  const notices = await screen.findByRole("region", { name: "Notices" });
  expect(within(notices).getByText("HTTP 500: down")).toBeTruthy();
  await user.click(within(notices).getByRole("button", { name: "Resend notice k1" }));
  expect(posted(`${BASE}/outbox/k1/resend`)).toHaveLength(1);
});

test("operators cannot open the notifications page", async () => {
  signIn("operator");
  renderApp("/notifications");
  expect(await screen.findByText(/This page needs the admin role/)).toBeTruthy();
  expect(calls.filter((c) => c.url.pathname.startsWith(BASE))).toHaveLength(0);
});
