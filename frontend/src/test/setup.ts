// Vitest set-up: jsdom has no layout engine, and the app must log no warnings or errors.
import { configure } from "@testing-library/react";
import { afterEach, beforeEach, vi } from "vitest";

// How long findBy* and waitFor wait for the UI (Testing Library's default is 1 s). A busy
// CI machine renders a page in seconds, not milliseconds; a passing test never waits this
// long, so a generous bound costs nothing and keeps the suite independent of machine speed.
const ASYNC_TIMEOUT_MS = 30_000;
configure({ asyncUtilTimeout: ASYNC_TIMEOUT_MS });

class FixedResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}

const measure = Element.prototype.getBoundingClientRect;
let logged: string[] = [];

beforeEach(() => {
  vi.stubGlobal("ResizeObserver", FixedResizeObserver);
  // Charts measure their container; give them the size a desktop card would have.
  vi.spyOn(Element.prototype, "getBoundingClientRect").mockImplementation(function (this: Element) {
    const chart = this.classList.contains("chart") || this.classList.contains("recharts-responsive-container");
    return chart ? DOMRect.fromRect({ width: 640, height: 240 }) : measure.call(this);
  });
  logged = [];
  for (const level of ["error", "warn"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logged.push(`console.${level}: ${args.map(String).join(" ")}`);
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
  if (logged.length > 0) throw new Error(`the app logged during the test:\n${logged.join("\n")}`);
});
