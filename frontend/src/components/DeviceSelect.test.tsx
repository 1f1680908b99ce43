import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { createQueryClient } from "../app/queryClient";
import { fakeApi, signIn, signOutForTest } from "../test/fakeApi";
import { DeviceSelect } from "./DeviceSelect";

const IDS = Array.from({ length: 1000 }, (_, i) => `pod-${String(i).padStart(4, "0")}`);

function Harness() {
  const [selected, setSelected] = useState<string[]>([]);
  return (
    <>
      <DeviceSelect selected={selected} onChange={setSelected} />
      <output aria-label="selected">{selected.join(",")}</output>
    </>
  );
}

beforeEach(() => {
  signOutForTest();
  signIn("viewer");
  const devices = IDS.map((device_id) => ({
    device_id,
    first_seen: "2025-07-01T00:00:00Z",
    last_seen: "2025-07-02T00:00:00Z",
    sessions: 1,
    samples: 1,
    drilling_hours: 0,
    last_battery: 90,
    last_lat: null,
    last_lon: null,
  }));
  fakeApi({ "/api/v1/devices": { body: { devices, total: 1000, limit: 10000, offset: 0 } } });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

test("a 1,000-device fleet lists 50 matches at a time and is searched and picked by keyboard", async () => {
  const user = userEvent.setup();
  render(
    <QueryClientProvider client={createQueryClient()}>
      <Harness />
    </QueryClientProvider>,
  );
  const toggle = await screen.findByRole("button", { name: /Devices/ });
  await user.click(toggle);
  const panel = screen.getByRole("group", { name: "Choose devices" });
  expect(await within(panel).findByText("950 more: refine the search.")).toBeTruthy();
  expect(within(panel).getAllByRole("checkbox")).toHaveLength(50);

  await user.keyboard("pod-077");
  expect(
    within(panel)
      .getAllByRole("checkbox")
      .map((box) => box.parentElement?.textContent?.trim()),
  ).toHaveLength(10);
  await user.click(within(panel).getByRole("checkbox", { name: "pod-0773" }));
  expect(screen.getByLabelText("selected").textContent).toBe("pod-0773");

  await user.keyboard("{Escape}");
  expect(screen.queryByRole("group", { name: "Choose devices" })).toBeNull();
  expect(document.activeElement).toBe(toggle);
  expect(toggle.textContent).toContain("1 selected");
});
