import { useSyncExternalStore } from "react";

/** What the user chose: follow the system, or a fixed theme. */
export type ThemeChoice = "system" | "light" | "dark";
/** The theme in force. */
export type Theme = "light" | "dark";

const KEY = "drillwatch.theme";
const listeners = new Set<() => void>();
const media = typeof window !== "undefined" && window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

function stored(): ThemeChoice {
  try {
    const value = localStorage.getItem(KEY);
    return value === "light" || value === "dark" ? value : "system";
  } catch {
    return "system";
  }
}

let choice: ThemeChoice = stored();

function resolve(): Theme {
  if (choice !== "system") return choice;
  return media?.matches ? "dark" : "light";
}

let theme: Theme = resolve();

/** Put the theme on <html> (CSS reads ``data-theme``) and tell the subscribers. */
function apply(): void {
  theme = resolve();
  if (typeof document !== "undefined") document.documentElement.dataset.theme = theme;
  for (const listener of listeners) listener();
}

media?.addEventListener("change", apply);
apply();

/** Choose a theme ("system" follows prefers-color-scheme); remembered in this browser. */
export function setThemeChoice(next: ThemeChoice): void {
  choice = next;
  try {
    if (next === "system") localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, next);
  } catch {
    // storage unavailable: the choice lasts for this page
  }
  apply();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The theme in force and the user's choice, kept current. */
export function useTheme(): { theme: Theme; choice: ThemeChoice } {
  const current = useSyncExternalStore(subscribe, () => theme);
  const chosen = useSyncExternalStore(subscribe, () => choice);
  return { theme: current, choice: chosen };
}
