// Vitest set-up: jsdom has no layout engine, and the app must log no warnings or errors.
import { configure } from "@testing-library/react";
import { afterEach, beforeEach, vi } from "vitest";

// Lazy pages load their chunks on first use; a loaded CI machine needs more than 1 s.
configure({ asyncUtilTimeout: 15_000 });

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
    return this.classList.contains("recharts-responsive-container") ? DOMRect.fromRect({ width: 640, height: 240 }) : measure.call(this);
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
