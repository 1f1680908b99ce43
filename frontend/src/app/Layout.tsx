import { useEffect, useState } from "react";
import { NavLink, Outlet, useLocation } from "react-router";
import type { Role } from "../api/types";
import { endSession, hasRole, useAuth } from "../auth/session";
import { useOpenAlertCount } from "../features/fleet/api";
import { formatCount } from "../lib/format";
import { setThemeChoice, type ThemeChoice, useTheme } from "../lib/theme";

interface NavItem {
  to: string;
  label: string;
  role?: Role;
  keepFilters?: boolean;
}

const GROUPS: { label: string; items: NavItem[] }[] = [
  {
    label: "Fleet analytics",
    items: [
      { to: "/", label: "Overview", keepFilters: true },
      { to: "/map", label: "Fleet map" },
      { to: "/devices", label: "Devices" },
      { to: "/sessions", label: "Sessions", keepFilters: true },
      { to: "/battery", label: "Battery", keepFilters: true },
      { to: "/anomalies", label: "Anomalies", keepFilters: true },
    ],
  },
  {
    label: "Predictive maintenance",
    items: [
      { to: "/health", label: "Fleet health" },
      { to: "/alerts", label: "Alerts" },
      { to: "/my-alerts", label: "My alerts", role: "operator" },
      { to: "/silences", label: "Silences" },
      { to: "/models", label: "Models" },
    ],
  },
  {
    label: "Administration",
    items: [
      { to: "/users", label: "Users", role: "admin" },
      { to: "/audit", label: "Audit trail", role: "admin" },
      { to: "/notifications", label: "Notifications", role: "admin" },
    ],
  },
];

/** The date and device filters of the current URL, to carry between analytics pages. */
function sharedFilters(search: string): string {
  const current = new URLSearchParams(search);
  const kept = new URLSearchParams();
  for (const key of ["from", "to", "device"]) for (const v of current.getAll(key)) kept.append(key, v);
  const text = kept.toString();
  return text ? `?${text}` : "";
}

const NEXT_THEME: Record<ThemeChoice, ThemeChoice> = { system: "dark", dark: "light", light: "system" };
const THEME_LABEL: Record<ThemeChoice, string> = { system: "Theme: system", dark: "Theme: dark", light: "Theme: light" };

/** Cycles system -> dark -> light; "system" follows prefers-color-scheme. */
function ThemeToggle() {
  const { choice } = useTheme();
  return (
    <button type="button" className="secondary theme-toggle" onClick={() => setThemeChoice(NEXT_THEME[choice])} aria-label={`${THEME_LABEL[choice]} (change)`}>
      <span aria-hidden="true">{choice === "dark" ? "☾" : choice === "light" ? "☀" : "◐"}</span> {THEME_LABEL[choice]}
    </button>
  );
}

/** The open-alert count next to "Alerts" (refreshed on its own). */
function AlertCount() {
  const count = useOpenAlertCount();
  if (!count.isSuccess || count.data === 0) return null;
  return (
    <span className="nav-count">
      {formatCount(count.data)}
      <span className="visually-hidden"> open</span>
    </span>
  );
}

/** Header, navigation (a menu button on narrow screens) and the current page. */
export function Layout() {
  const { session } = useAuth();
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const filters = sharedFilters(location.search);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the menu closes whenever the page changes
  useEffect(() => setMenuOpen(false), [location.pathname]);
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (event: KeyboardEvent) => event.key === "Escape" && setMenuOpen(false);
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [menuOpen]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button type="button" className="menu-button secondary" aria-expanded={menuOpen} aria-controls="main-nav" onClick={() => setMenuOpen(!menuOpen)}>
          <span aria-hidden="true">☰</span> Menu
        </button>
        <span className="brand">
          <img src="/favicon.svg" alt="" width="22" height="22" /> DrillWatch
        </span>
        <ThemeToggle />
        <span className="user">
          <span className="visually-hidden">Signed in as </span>
          {session?.name} <span className="role-badge">{session?.role}</span>
        </span>
        <button type="button" className="secondary" onClick={() => endSession("logout")}>
          Log out
        </button>
      </header>
      <nav id="main-nav" className={`sidenav ${menuOpen ? "open" : ""}`} aria-label="Main">
        {GROUPS.map((group) => {
          const items = group.items.filter((item) => !item.role || hasRole(session?.role, item.role));
          if (items.length === 0) return null;
          return (
            <div key={group.label} className="nav-group">
              <h2 className="nav-heading">{group.label}</h2>
              <ul>
                {items.map((item) => (
                  <li key={item.to}>
                    <NavLink to={item.to + (item.keepFilters ? filters : "")} end={item.to === "/"}>
                      {item.label}
                      {item.to === "/alerts" && <AlertCount />}
                    </NavLink>
                  </li>
                ))}
              </ul>
            </div>
          );
        })}
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
